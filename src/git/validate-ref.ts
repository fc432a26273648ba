import { refuse } from '../errors.js';
import type { Repo } from './repo.js';
import { git } from './run.js';

/**
 * Checks a ref the user gave (a task file's `base`, `--base`) before it is passed to any other
 * git command: it must name a commit, and it must not read as an option (`-b`,
 * `--upload-pack=…`), which `git worktree add … <start-point>` would otherwise obey. Returns the
 * commit it names; refuses (exit 2) with the ref shown as text.
 */
export async function validateRef(repo: Repo, ref: string, what = 'base ref'): Promise<string> {
  const shown = JSON.stringify(ref);
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (ref.trim() === '' || ref.startsWith('-') || /[\x00-\x1f\x7f]/.test(ref))
    throw refuse(
      `not a valid ${what}: ${shown}`,
      'name a branch, tag or commit (a ref never starts with "-" or holds control characters)',
    );
  const r = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    cwd: repo.root,
    allowFail: true,
  });
  if (r.code !== 0) throw refuse(`unknown ${what}: ${ref}`, 'name a branch, tag or commit that exists');
  return r.stdout.trim();
}
