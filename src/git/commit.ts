import { stat } from 'node:fs/promises';
import path from 'node:path';
import { git, gitOut, FACTORY_IDENTITY, GitError } from './run.js';
import { RefConflictError } from '../errors.js';
import { attemptMessage, stepMessage, type AttemptMeta, type StepMeta } from './messages.js';
import { attemptRef, branchRef } from './refs.js';
import { enclosingSubmodule, ignoredUntracked } from './protected-paths.js';
import { verifyWorktreeLink } from './worktree-link.js';

/**
 * The writer's view of a task branch. `tip` is what this writer last saw; every ref update is a
 * compare-and-swap against it, so a commit made by anyone else is reported, never overwritten.
 */
export interface BranchState {
  worktree: string;
  branch: string;
  tip: string;
  /** Tree of `tip`, cached so a no-op tool call costs no extra git call. */
  tipTree?: string;
  /** The repository's common dir: every commit first verifies the worktree's git link against it. */
  commonDir: string;
  /** Worktree-relative paths `worktree.copy` put in: never staged. */
  copied: ReadonlySet<string>;
  /** The worktree's own git dir, as last verified. */
  gitDir?: string;
}

const opts = (s: BranchState) => ({
  cwd: s.worktree,
  // Named explicitly, so git cannot be steered elsewhere by the worktree's `.git` file.
  env: { ...FACTORY_IDENTITY, ...(s.gitDir ? { GIT_DIR: s.gitDir, GIT_WORK_TREE: s.worktree } : {}) },
});

/**
 * Before any commit: the worktree's `.git` link must still name its own git dir in this
 * repository (a check may have rewritten it to point at the main repository, whose index and
 * HEAD would then take the commit). Refuses, with nothing changed, when it does not.
 */
async function verifyLink(s: BranchState): Promise<void> {
  s.gitDir = await verifyWorktreeLink(s.commonDir, s.worktree);
}

/** The paths factory may stage: not copied in by `worktree.copy`, not inside a submodule. */
async function stageable(s: BranchState, paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) if (!s.copied.has(p) && !(await enclosingSubmodule(s.worktree, p))) out.push(p);
  return out;
}

/**
 * A task worktree's index is rewritten by every step commit. Split into a shared base and a
 * small delta, each write touches only the delta: a large saving in big repos. Set only on the
 * worktree's own index, never on the user's.
 */
const SPLIT_INDEX = ['-c', 'core.splitIndex=true'];

function asConflict(e: unknown, ref: string, expected: string): unknown {
  if (
    e instanceof GitError &&
    /but expected|reference already exists|unable to resolve reference/i.test(e.stderr)
  )
    return new RefConflictError(ref, expected);
  return e;
}

async function treeOf(s: BranchState): Promise<string> {
  s.tipTree ??= await gitOut(['rev-parse', `${s.tip}^{tree}`], opts(s));
  return s.tipTree;
}

async function commitTree(s: BranchState, tree: string, message: string): Promise<string> {
  return gitOut(['commit-tree', tree, '-p', s.tip, '-F', '-'], { ...opts(s), input: message });
}

/**
 * One step commit for one tool call: stage exactly the touched paths in the worktree's own
 * index, then write-tree, commit-tree and a compare-and-swap update-ref. Returns null when the
 * tool call changed nothing.
 */
export async function commitStep(s: BranchState, meta: StepMeta): Promise<string | null> {
  if (meta.paths.length === 0) return null;
  await verifyLink(s);
  const paths = await stageable(
    s,
    meta.paths.map((p) => p.split(path.sep).join('/')),
  );
  if (paths.length === 0) return null;
  const input = `${paths.join('\0')}\0`;
  // Ignore rules are matched alongside the staging (they need no index), so the usual case, where
  // nothing matches, costs no time; an ignored untracked path is taken out again before the tree.
  const [, ignored] = await Promise.all([
    git([...SPLIT_INDEX, 'update-index', '--add', '--remove', '-z', '--stdin'], { ...opts(s), input }),
    ignoredUntracked(paths, { ...opts(s), trackedIn: s.tip }),
  ]);
  if (ignored.length)
    await git([...SPLIT_INDEX, 'update-index', '--force-remove', '-z', '--stdin'], {
      ...opts(s),
      input: ignored.map((i) => `${i.path}\0`).join(''),
    });
  const tree = await gitOut([...SPLIT_INDEX, 'write-tree'], opts(s));
  if (tree === (await treeOf(s))) return null;
  const commit = await commitTree(s, tree, stepMessage(meta));
  const ref = branchRef(s.branch);
  try {
    await git(
      ['update-ref', '-m', `factory step ${meta.task}.${meta.attempt}.${meta.step}`, ref, commit, s.tip],
      opts(s),
    );
  } catch (e) {
    throw asConflict(e, ref, s.tip);
  }
  s.tip = commit;
  s.tipTree = tree;
  return commit;
}

export interface AttemptResult {
  commit: string;
  /** Untracked files left out because they exceed the size limit. */
  skipped: string[];
}

/** What changed in the worktree since the index, from one status walk: paths and untracked ones. */
async function worktreeChanges(s: BranchState): Promise<{ path: string; untracked: boolean }[]> {
  const st = await git(['status', '--porcelain', '-z', '--untracked-files=all', '--no-renames'], opts(s));
  return st.stdout
    .split('\0')
    .filter((e) => e.length > 3)
    .map((e) => ({ path: e.slice(3), untracked: e.startsWith('??') }));
}

async function oversized(s: BranchState, files: string[], maxBytes: number): Promise<string[]> {
  const big: string[] = [];
  for (const f of files) {
    const st = await stat(path.join(s.worktree, f)).catch(() => null);
    if (st && st.isFile() && st.size > maxBytes) big.push(f);
  }
  return big;
}

/**
 * The attempt commit: the whole tree after the attempt (what `add -A` would stage: every change
 * `git status` sees, minus oversized new files), with the outcome in trailers; empty when nothing
 * changed. The branch and `refs/factory/<id>/attempts/<n>` move together in one ref transaction.
 */
export async function commitAttempt(
  s: BranchState,
  meta: Omit<AttemptMeta, 'skipped'>,
  maxFileBytes: number,
): Promise<AttemptResult> {
  await verifyLink(s);
  // One status walk instead of `add -A`: usually every edit already has its step commit and
  // nothing is left to stage, so the tree of the tip is the attempt's tree. Status lists no
  // ignored file; copied ones are left out even when an edited .gitignore no longer ignores them.
  const changes = (await worktreeChanges(s)).filter((c) => !s.copied.has(c.path));
  const skipped = await oversized(
    s,
    changes.filter((c) => c.untracked).map((c) => c.path),
    maxFileBytes,
  );
  const paths = changes.map((c) => c.path).filter((p) => !skipped.includes(p));
  let tree: string;
  if (paths.length === 0) tree = await treeOf(s);
  else {
    await git([...SPLIT_INDEX, 'update-index', '--add', '--remove', '-z', '--stdin'], {
      ...opts(s),
      input: `${paths.join('\0')}\0`,
    });
    tree = await gitOut([...SPLIT_INDEX, 'write-tree'], opts(s));
  }
  const commit = await commitTree(s, tree, attemptMessage({ ...meta, skipped }));
  const ref = branchRef(s.branch);
  const aref = attemptRef(meta.task, meta.attempt);
  try {
    await git(['update-ref', '-m', `factory attempt ${meta.task}.${meta.attempt}`, '--stdin'], {
      ...opts(s),
      input: `update ${ref} ${commit} ${s.tip}\ncreate ${aref} ${commit}\n`,
    });
  } catch (e) {
    throw asConflict(e, ref, s.tip);
  }
  s.tip = commit;
  s.tipTree = tree;
  return { commit, skipped };
}
