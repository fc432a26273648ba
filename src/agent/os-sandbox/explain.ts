import { existsSync } from 'node:fs';
import path from 'node:path';
import { gitPathsOf, isInside } from './paths.js';
import type { SandboxPlan } from './types.js';

/**
 * Lines that say when a failure came from the sandbox rather than from the code: a write to a
 * read-only place, a read of a hidden one, a connection without network. Each names the path (or
 * the network) and the setting that would allow it, so neither the Coder nor the user takes a
 * sandbox refusal for a bug. Read from the output, as the check printed it: nothing else knows.
 */
export function explainFailure(output: string, plan: SandboxPlan, cwd: string): string[] {
  if (plan.kind === 'none') return [];
  const notes = new Set<string>();
  const git = gitPathsOf(cwd);
  const lines = output.split('\n');
  for (const line of lines) {
    const readOnly = /EROFS|Read-only file system|Operation not permitted|EPERM/i.test(line);
    const denied = /EACCES|Permission denied/i.test(line);
    const missing = /ENOENT|No such file or directory|not found/i.test(line);
    if (!readOnly && !denied && !missing) continue;
    for (const p of pathsIn(line, cwd)) {
      const note = readOnly || denied ? writeNote(p, plan, cwd, git) : null;
      const hiddenNote = denied || missing || readOnly ? hiddenReadNote(p, plan) : null;
      const chosen = hiddenNote ?? note;
      if (chosen) notes.add(chosen);
    }
  }
  if (!plan.network && NETWORK.test(output))
    notes.add(
      'factory sandbox: the network is off for the check (connections fail, even to 127.0.0.1 of your machine); ' +
        'set sandbox.network to true to allow it',
    );
  return [...notes];
}

const NETWORK =
  /ENETUNREACH|Network is unreachable|EAI_AGAIN|Temporary failure in name resolution|Could not resolve host|getaddrinfo|ECONNREFUSED|Connection refused/i;

/**
 * Paths in one line of output: absolute ones anywhere, relative ones where a tool names its file
 * (`cannot create x:`, `'x'`); relative ones are under `cwd`. A line's leading `program:` (as in
 * `/bin/sh: 1: cannot create …`) is the reporter, not the path.
 */
function pathsIn(line: string, cwd: string): string[] {
  const found = new Set<string>();
  const add = (p: string) => {
    const clean = p.replace(/[.;]+$/, '');
    if (clean && clean !== '/' && !clean.startsWith('~')) found.add(path.resolve(cwd, clean));
  };
  const body = line.replace(/^\s*\S+?:\s/, ' ');
  for (const m of body.matchAll(/(?:^|[\s"`(=,[])(\/[^\s'"`):,\]]*)/g)) add(m[1]!);
  // A quoted word is a path only if it looks like one ('EROFS' is a code, 'src/x.js' a path).
  for (const m of body.matchAll(/'([^'\s]*[/.][^'\s]*)'/g)) add(m[1]!);
  for (const m of body.matchAll(/cannot create (?:directory )?([^\s:'"]+):/g)) add(m[1]!);
  return [...found];
}

function writeNote(
  p: string,
  plan: SandboxPlan,
  cwd: string,
  git: ReturnType<typeof gitPathsOf>,
): string | null {
  const own = [git.link, git.gitDir].filter((x): x is string => x !== null);
  // The worktree may live inside the repository's .git (the default): it is writable all the same.
  const inWorktree = isInside(p, cwd) && !own.some((g) => isInside(p, g));
  if (inWorktree) return null;
  if ([...own, git.commonDir].some((g) => g !== null && isInside(p, g)))
    return (
      `factory sandbox: ${p} is git metadata, read-only in the check (git can read history but not ` +
      'commit, configure or install hooks: factory makes the commits); no setting allows it'
    );
  if (isInside(p, '/tmp') || plan.writable.some((w) => isInside(p, w))) return null;
  if (isInside(p, '/dev') || isInside(p, '/proc')) return null;
  return (
    `factory sandbox: writing ${p} was blocked (only the worktree, /tmp and sandbox.writable are writable); ` +
    `add ${path.dirname(p)} to sandbox.writable to allow it`
  );
}

function hiddenReadNote(p: string, plan: SandboxPlan): string | null {
  if (plan.home === '/' || !isInside(p, plan.home) || p === plan.home) return null;
  if ([...plan.readable, ...plan.writable, ...(plan.exposed ?? [])].some((r) => isInside(p, r))) return null;
  // Only what the user really has: a file missing outside the sandbox too is the code's problem.
  if (!existsSync(p)) return null;
  return (
    `factory sandbox: ${p} is hidden ($HOME is private in the check); ` +
    'add it to sandbox.readable to let the check read it'
  );
}
