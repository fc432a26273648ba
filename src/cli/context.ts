import { openRepo, type Repo } from '../git/repo.js';
import { effectiveConfig } from '../config/effective.js';
import type { Config } from '../config/schema.js';
import { journalNames } from '../tasks/journal-names.js';

export interface Context {
  repo: Repo;
  config: Config;
}

/** The repository around the current directory and its effective configuration. */
export async function openContext(flags: Record<string, unknown> = {}): Promise<Context> {
  const repo = await openRepo(process.cwd());
  const config = await effectiveConfig({ repoRoot: repo.root, flags, factoryDir: repo.factoryDir });
  await recoverFirst(repo, config);
  return { repo, config };
}

/**
 * Every command calls this before it does anything: a merge or discard killed half-way is
 * finished (or undone) first, and the user is told.
 */
export async function recoverFirst(repo: Repo, config: Config): Promise<void> {
  // The recovery code is loaded only when there is a journal to recover from.
  if ((await journalNames(repo)).length === 0) return;
  const { recoverInterrupted } = await import('../tasks/journal.js');
  for (const line of await recoverInterrupted(repo, config.worktree))
    process.stderr.write(`factory: ${line}\n`);
}
