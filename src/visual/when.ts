/**
 * Whether a task gets the visual check: when it asks (`visual: true` in its task file,
 * `factory task --visual`), or when its change touches a file matching `visual.paths`. Never
 * when the repository has no `visual` section and the task did not ask; a task that asks
 * without one is refused before its run starts (`refuseVisualWithoutConfig`).
 */
import type { Config } from '../config/schema.js';
import { refuse } from '../errors.js';
import { anyMatch } from '../glob.js';
import type { TaskRecord } from '../tasks/record.js';

/** `changedPaths`: the paths the task's diff against its base touches, relative to the worktree. */
export function isVisualTask(
  record: Pick<TaskRecord, 'visual'>,
  changedPaths: readonly string[],
  config: Pick<Config, 'visual'>,
): boolean {
  if (record.visual !== undefined) return record.visual;
  if (!config.visual) return false;
  return anyMatch(config.visual.paths, changedPaths);
}

/**
 * The refusal for tasks that ask for the visual check in a repository that has no `visual`
 * section: they would run to the end and never be looked at. `tasks` are titles, for the message.
 */
export function refuseVisualWithoutConfig(
  tasks: readonly { title: string; visual?: boolean }[],
  config: Pick<Config, 'visual'>,
): void {
  if (config.visual) return;
  const asking = tasks.filter((t) => t.visual === true);
  if (asking.length === 0) return;
  const which = asking.length === 1 ? `the task "${asking[0]!.title}" asks` : `${asking.length} tasks ask`;
  throw refuse(
    `${which} for the visual check, but the configuration has no "visual" section`,
    'add one to .factoryrc.json, e.g. "visual": {"start": "npm run dev -- --port {port}"}, or "visual": {"url": "file://index.html"} for a static page',
  );
}
