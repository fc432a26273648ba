import { existsSync } from 'node:fs';
import { lstat, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { git, gitOut, FACTORY_IDENTITY } from './run.js';
import { FactoryError, refuse, RefConflictError } from '../errors.js';
import type { Repo } from './repo.js';
import { trialMerge } from './conflicts.js';
import { operationsInProgress } from './in-progress.js';
import { removeSettledLock } from './settled-lock.js';
import { moveMainTree } from './move-main-tree.js';
import { attachedHeads } from './worktree.js';
import { netChange, treeChange } from './tree-changes.js';

export type MergeMode = 'squash' | 'merge' | 'rebase';

/** What a merge is about to do to the main tree, known before the tree is touched. */
export interface PreparedMerge {
  /** The main tree's HEAD before the merge, and the commit it moves to. */
  head: string;
  commit: string;
  into: string;
}

export interface MergeRequest {
  /** The task branch (short name) and the worktree it is checked out in. */
  branch: string;
  worktree: string | null;
  /** The commit the task started from: the squash diff is base..tip. */
  base: string;
  mode: MergeMode;
  message: string;
  /** What to call the task in messages ("task 3"). */
  label?: string;
  /** Called before `--rebase` rewrites the task branch, with its tip. */
  beforeRebase?: (tip: string) => Promise<void>;
  /** Called once the result is known and before the main tree is touched (the caller journals it). */
  prepared?: (p: PreparedMerge) => Promise<void>;
  /** Called just before the main tree starts to change. */
  moving?: (p: PreparedMerge) => Promise<void>;
}

export interface MergeResult {
  commit: string;
  into: string;
  files: string[];
}

export class MergeConflictError extends FactoryError {
  constructor(
    readonly files: string[],
    hint = 'roll the task back, resume it with --rebase, or merge it by hand',
  ) {
    super(`merge conflict in ${files.length} file(s): ${files.join(', ')}; nothing was changed`, { hint });
    this.name = 'MergeConflictError';
  }
}

/** Paths with uncommitted changes in the main tree, staged, unstaged or untracked. */
export async function dirtyPaths(repo: Repo): Promise<Set<string>> {
  const out = await git(['status', '--porcelain=v1', '-z', '--untracked-files=all'], { cwd: repo.root });
  const set = new Set<string>();
  const parts = out.stdout.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const e = parts[i]!;
    if (e.length < 4) continue;
    set.add(e.slice(3));
    if (e[0] === 'R' || e[0] === 'C') set.add(parts[++i] ?? '');
  }
  return set;
}

const nameList = (out: string) => out.split('\0').filter(Boolean);

/**
 * Files the merge would create that already exist in the main tree without being tracked there
 * (untracked or ignored, like a `.env` or a build output). Git would overwrite ignored ones.
 */
export async function untrackedInTheWay(repo: Repo, head: string, tree: string): Promise<string[]> {
  return inTheWay(repo, netChange([await treeChange(repo, head, tree)]));
}

/** `untrackedInTheWay` for a change already known: the files it adds, and those it deletes. */
export async function inTheWay(
  repo: Repo,
  change: { added: string[]; deleted: Set<string> },
): Promise<string[]> {
  const found = new Set<string>();
  for (const file of change.added) {
    const st = await lstat(path.join(repo.root, file)).catch((e: NodeJS.ErrnoException) => e.code ?? 'error');
    if (typeof st !== 'string') found.add(file);
    else if (st === 'ENOTDIR') {
      // A file where the merge needs a directory: name that file, unless the merge deletes it.
      const parts = file.split('/');
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        const s = await stat(path.join(repo.root, dir)).catch(() => null);
        if (s && !s.isDirectory()) {
          if (!change.deleted.has(dir)) found.add(dir);
          break;
        }
      }
    }
  }
  return [...found];
}

export async function identityEnv(repo: Repo): Promise<Record<string, string>> {
  const r = await git(['config', 'user.email'], { cwd: repo.root, allowFail: true });
  return r.code === 0 ? {} : FACTORY_IDENTITY;
}

/** Refuses while the user is in the middle of a merge, rebase, cherry-pick, revert or bisect in the main tree. */
export function refuseDuringOperation(repo: Repo, what: string): void {
  const ops = operationsInProgress(repo.commonDir);
  if (ops.length)
    throw refuse(
      `${ops.join(' and ')} is in progress in ${repo.root}; ${what} would commit into the middle of it`,
      'finish it (or abort it) with git first, then try again',
    );
}

/**
 * Merges a task branch into whatever the main worktree has checked out. The result is computed
 * with `git merge-tree` first, so a conflict changes nothing at all; only then is the main tree
 * moved with a two-tree read-tree (which keeps unrelated uncommitted work) and HEAD updated by
 * compare-and-swap.
 */
export async function mergeBranch(repo: Repo, req: MergeRequest): Promise<MergeResult> {
  const cwd = repo.root;
  const label = req.label ?? req.branch;
  refuseDuringOperation(repo, 'a merge');
  const [head, headTree] = (await gitOut(['rev-parse', 'HEAD', 'HEAD^{tree}'], { cwd })).split('\n') as [
    string,
    string,
  ];
  const symbolic = await git(['symbolic-ref', '--quiet', 'HEAD'], { cwd, allowFail: true });
  const into = symbolic.code === 0 ? symbolic.stdout.trim() : 'HEAD (detached)';
  const intoName = into.replace(/^refs\/heads\//, '');
  let tip = await gitOut(['rev-parse', `refs/heads/${req.branch}`], { cwd });

  const touched = nameList(await gitOut(['diff', '--name-only', '-z', req.base, tip], { cwd }));
  const { tree, conflicts } = await trialMerge(repo, head, tip);
  const inTheWay = await untrackedInTheWay(repo, head, tree);
  if (inTheWay.length)
    throw refuse(
      `the merge would overwrite files in the main tree that git does not track (untracked or ignored): ${inTheWay.join(', ')}`,
      'move them out of the way, then merge again',
    );

  const dirty = await dirtyPaths(repo);
  const clash = touched.filter((f) => dirty.has(f));
  if (clash.length)
    throw refuse(
      `the main tree has uncommitted changes to files the task touched: ${clash.join(', ')}`,
      'commit or stash them, then merge again',
    );

  if (conflicts.length) throw new MergeConflictError(conflicts);
  if (tree === headTree)
    throw refuse(
      `nothing to merge: the changes of ${label} are already in ${intoName}`,
      'discard the task if you no longer need it',
    );
  const env = await identityEnv(repo);
  let commit: string;
  if (req.mode === 'rebase') {
    await req.beforeRebase?.(tip);
    tip = await rebaseOnto(req, label, head, env);
    commit = tip;
  } else {
    const parents = req.mode === 'merge' ? ['-p', head, '-p', tip] : ['-p', head];
    commit = await gitOut(['commit-tree', tree, ...parents, '-F', '-'], { cwd, env, input: req.message });
  }
  const prepared = { head, commit, into };
  await req.prepared?.(prepared);
  await req.moving?.(prepared);

  // A squash or merge leaves the task branch to nobody: its worktree is stowed detached.
  const detach = req.mode !== 'rebase' && req.worktree ? await attachedHeads(repo, [req.worktree]) : [];
  await moveMainTree(repo, head, commit, `factory: merge ${req.branch} (${req.mode})`, detach);
  return { commit, into, files: touched };
}

/** Rebases the task branch onto `onto` inside its own worktree; on a conflict, aborts. */
async function rebaseOnto(
  req: MergeRequest,
  label: string,
  onto: string,
  env: Record<string, string>,
): Promise<string> {
  if (!req.worktree || !existsSync(req.worktree))
    throw refuse(
      `--rebase replays the commits of ${label} in its worktree, and that worktree is gone${req.worktree ? ` (${req.worktree})` : ''}`,
      'merge it with --squash or --merge instead',
    );
  const r = await git(['rebase', '--quiet', onto], { cwd: req.worktree, env, allowFail: true });
  if (r.code !== 0) {
    await git(['rebase', '--abort'], { cwd: req.worktree, allowFail: true });
    throw new FactoryError(`rebase of ${req.branch} failed; the branch is unchanged: ${r.stderr.trim()}`);
  }
  return gitOut(['rev-parse', 'HEAD'], { cwd: req.worktree });
}

/**
 * Finishes a merge that was killed while it moved the main tree from `head` to `commit`: the
 * index lock the killed read-tree left goes, every path the merge changes is set to its merged
 * version in the index and on disk (those paths were checked clean before the merge began), and
 * HEAD moves by compare-and-swap. Staged and unstaged work in other paths is left alone.
 */
export async function completeMainTree(
  repo: Repo,
  head: string,
  commit: string,
  reason: string,
): Promise<void> {
  const cwd = repo.root;
  const gitDir = await gitOut(['rev-parse', '--absolute-git-dir'], { cwd });
  await removeSettledLock(path.join(gitDir, 'index.lock'));
  const changed = nameList(
    await gitOut(['diff-tree', '-r', '-z', '--name-only', '--no-renames', head, commit], { cwd }),
  );
  if (changed.length) {
    const input = changed.join('\0');
    await git(
      ['--literal-pathspecs', 'reset', '-q', commit, '--pathspec-from-file=-', '--pathspec-file-nul'],
      {
        cwd,
        input,
      },
    );
    const present = new Set(nameList(await gitOut(['ls-tree', '-r', '-z', '--name-only', commit], { cwd })));
    const keep = changed.filter((f) => present.has(f));
    const gone = changed.filter((f) => !present.has(f));
    if (keep.length)
      await git(['checkout-index', '-f', '-u', '-z', '--stdin'], { cwd, input: keep.join('\0') });
    for (const f of gone) await rm(path.join(cwd, f), { force: true });
  }
  const upd = await git(['update-ref', '-m', reason, 'HEAD', commit, head], { cwd, allowFail: true });
  if (upd.code !== 0) throw new RefConflictError('HEAD', head);
}
