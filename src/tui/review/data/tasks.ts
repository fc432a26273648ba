import { useCallback } from 'react';
import type { Repo } from '../../../git/repo.js';
import { listTasks, type TaskSummary } from '../../../tasks/summary.js';
import { useLoader, type Loaded } from './loader.js';

/** The task list, reloaded whenever a task's files change; `initial`, if read already, first. */
export function useTasks(
  repo: Repo,
  all: boolean,
  tick: number,
  initial?: TaskSummary[],
): Loaded<TaskSummary[]> {
  const load = useCallback(() => listTasks(repo, { all }), [repo, all]);
  return useLoader(load, `${repo.root}:${all}`, tick, initial);
}
