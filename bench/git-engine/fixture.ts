import path from 'node:path';
import type { Repo } from '../../src/git/repo.js';
import type { GeneratedRepo } from '../gen-repo.js';
import { rawGit } from '../raw-git.js';

/** What every git-engine benchmark of one size works on. */
export interface Fixture {
  size: number;
  gen: GeneratedRepo;
  repo: Repo;
  /** Scratch space next to the repo (same file system) for reference worktrees. */
  scratch: string;
}

/** The reference for task creation: a bare `git worktree add` of a new branch at HEAD. */
export function refWorktreeAdd(f: Fixture, tag: string, i: number): Promise<string> {
  const dir = path.join(f.scratch, `${tag}-${i}`);
  return rawGit(
    f.repo.root,
    'worktree',
    'add',
    '--quiet',
    '--no-track',
    '-b',
    `bench/${tag}-${i}`,
    dir,
    'HEAD',
  );
}

/** Undoes `refWorktreeAdd`, outside the timed region. */
export async function refWorktreeRemove(f: Fixture, tag: string, i: number): Promise<void> {
  await rawGit(f.repo.root, 'worktree', 'remove', '--force', path.join(f.scratch, `${tag}-${i}`));
  await rawGit(f.repo.root, 'branch', '-q', '-D', `bench/${tag}-${i}`);
}
