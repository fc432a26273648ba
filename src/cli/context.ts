import { openRepo, type Repo } from '../git/repo.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';

export interface Context {
  repo: Repo;
  config: Config;
}

/** The repository around the current directory and its effective configuration. */
export async function openContext(flags: Record<string, unknown> = {}): Promise<Context> {
  const repo = await openRepo(process.cwd());
  const { config } = await loadConfig({ repoRoot: repo.root, flags });
  return { repo, config };
}
