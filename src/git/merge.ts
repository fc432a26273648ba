import { git, gitOut, FACTORY_IDENTITY } from './run.js';
import { FactoryError, refuse, RefConflictError } from '../errors.js';
import type { Repo } from './repo.js';
import { trialMerge } from './conflicts.js';

export type MergeMode = 'squash' | 'merge' | 'rebase';

export interface MergeRequest {
  /** The task branch (short name) and the worktree it is checked out in. */
  branch: string;
  worktree: string | null;
  /** The commit the task started from: the squash diff is base..tip. */
  base: string;
  mode: MergeMode;
  message: string;
}

export interface MergeResult {
  commit: string;
  into: string;
  files: string[];
}

export class MergeConflictError extends FactoryError {
  constructor(readonly files: string[]) {
    super(`merge conflict in ${files.length} file(s): ${files.join(', ')}; nothing was changed`, {
      hint: 'roll the task back, resume it with feedback, or merge it by hand',
    });
    this.name = 'MergeConflictError';
  }
}

/** Paths with uncommitted changes in the main tree, staged, unstaged or untracked. */
async function dirtyPaths(repo: Repo): Promise<Set<string>> {
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

async function identityEnv(repo: Repo): Promise<Record<string, string>> {
  const r = await git(['config', 'user.email'], { cwd: repo.root, allowFail: true });
  return r.code === 0 ? {} : FACTORY_IDENTITY;
}

/**
 * Merges a task branch into whatever the main worktree has checked out. The result is computed
 * with `git merge-tree` first, so a conflict changes nothing at all; only then is the main tree
 * moved with a two-tree read-tree (which keeps unrelated uncommitted work) and HEAD updated by
 * compare-and-swap.
 */
export async function mergeBranch(repo: Repo, req: MergeRequest): Promise<MergeResult> {
  const cwd = repo.root;
  const head = await gitOut(['rev-parse', 'HEAD'], { cwd });
  const symbolic = await git(['symbolic-ref', '--quiet', 'HEAD'], { cwd, allowFail: true });
  const into = symbolic.code === 0 ? symbolic.stdout.trim() : 'HEAD (detached)';
  let tip = await gitOut(['rev-parse', `refs/heads/${req.branch}`], { cwd });

  const touched = (await gitOut(['diff', '--name-only', '-z', req.base, tip], { cwd }))
    .split('\0')
    .filter(Boolean);
  const dirty = await dirtyPaths(repo);
  const clash = touched.filter((f) => dirty.has(f));
  if (clash.length)
    throw refuse(
      `the main tree has uncommitted changes to files the task touched: ${clash.join(', ')}`,
      'commit or stash them, then merge again',
    );

  const { tree, conflicts } = await trialMerge(repo, head, tip);
  if (conflicts.length) throw new MergeConflictError(conflicts);

  const env = await identityEnv(repo);
  let commit: string;
  if (req.mode === 'rebase') {
    tip = await rebaseOnto(req, head, env);
    commit = tip;
  } else {
    const parents = req.mode === 'merge' ? ['-p', head, '-p', tip] : ['-p', head];
    commit = await gitOut(['commit-tree', tree, ...parents, '-F', '-'], { cwd, env, input: req.message });
  }

  const move = await git(['read-tree', '-m', '-u', head, commit], { cwd, allowFail: true });
  if (move.code !== 0)
    throw refuse(
      `cannot update the main tree: ${move.stderr.trim()}`,
      'commit or stash your changes, then merge again',
    );
  const upd = await git(
    ['update-ref', '-m', `factory: merge ${req.branch} (${req.mode})`, 'HEAD', commit, head],
    {
      cwd,
      allowFail: true,
    },
  );
  if (upd.code !== 0) {
    await git(['read-tree', '-m', '-u', commit, head], { cwd, allowFail: true });
    throw new RefConflictError('HEAD', head);
  }
  return { commit, into, files: touched };
}

/** Rebases the task branch onto `onto` inside its own worktree; on a conflict, aborts. */
async function rebaseOnto(req: MergeRequest, onto: string, env: Record<string, string>): Promise<string> {
  if (!req.worktree)
    throw refuse(`task branch ${req.branch} has no worktree to rebase in`, 'use --squash or --merge');
  const r = await git(['rebase', '--quiet', onto], { cwd: req.worktree, env, allowFail: true });
  if (r.code !== 0) {
    await git(['rebase', '--abort'], { cwd: req.worktree, allowFail: true });
    throw new FactoryError(`rebase of ${req.branch} failed; the branch is unchanged: ${r.stderr.trim()}`);
  }
  return gitOut(['rev-parse', 'HEAD'], { cwd: req.worktree });
}
