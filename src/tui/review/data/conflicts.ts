import { useCallback } from 'react';
import type { Repo } from '../../../git/repo.js';
import { mainBranchName } from '../../../git/repo.js';
import { conflictMatrix, type ConflictMatrix } from '../../../tasks/conflicts.js';
import { useLoader, type Loaded } from './loader.js';

export interface Conflicts {
  matrix: ConflictMatrix;
  /** What the main worktree has checked out: where a merge lands. */
  into: string;
}

/** The conflict matrix (git merge-tree only; nothing is touched), recomputed when tasks change. */
export function useConflicts(repo: Repo, tick: number): Loaded<Conflicts> {
  const load = useCallback(
    async () => ({ matrix: await conflictMatrix(repo), into: await mainBranchName(repo) }),
    [repo],
  );
  return useLoader(load, repo.root, tick);
}

/** The files task `a` conflicts on with task `b`. */
export function pairFiles(m: ConflictMatrix, a: number, b: number): string[] {
  return m.pairs[a < b ? `${a}:${b}` : `${b}:${a}`] ?? [];
}
