import type { Command } from 'commander';
import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { detectCheck } from '../../config/detect-check.js';
import { localSchemaRef, publishedSchemaURL } from '../../config/json-schema.js';
import { REPO_CONFIG_FILE } from '../../config/load.js';
import { DEFAULT_CONFIG, type ConfigInput } from '../../config/schema.js';
import { refuse } from '../../errors.js';
import { openRepo } from '../../git/repo.js';
import { action, emit } from '../action.js';

/** The main worktree's top level, also when run from a subdirectory or a task worktree. */
async function topLevel(cwd: string): Promise<string> {
  return (await openRepo(cwd)).root;
}

/**
 * A `$schema` that resolves on any machine that clones the repo: the repo's own copy in
 * node_modules, else the published schema of this version. Never a path into one installation.
 */
async function schemaRef(root: string): Promise<string> {
  const local = localSchemaRef();
  return access(path.join(root, local)).then(
    () => local,
    () => publishedSchemaURL(),
  );
}

const NO_CHECK =
  'no check command detected (no npm test script, pytest project, Cargo.toml, go.mod or make test target); ' +
  'set it with: factory config --set check="<the command that runs your tests>"';

async function init(opts: { force?: boolean; json?: boolean }): Promise<void> {
  const root = await topLevel(process.cwd());
  const file = path.join(root, REPO_CONFIG_FILE);
  const check = await detectCheck(root);
  const content: ConfigInput = { $schema: await schemaRef(root), server: DEFAULT_CONFIG.server, check };
  try {
    // 'wx' fails if the file exists, with no window between a check and the write.
    await writeFile(file, `${JSON.stringify(content, null, 2)}\n`, { flag: opts.force ? 'w' : 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw refuse(`${file} already exists; use --force to overwrite it`);
    }
    throw e;
  }
  emit(opts.json, { path: file, config: content }, () =>
    check ? `wrote ${file} (check: ${check})` : `wrote ${file} (no check)`,
  );
  // On stderr, so it shows under --json too: without a check, tasks run as script tasks.
  if (!check) process.stderr.write(`factory: ${NO_CHECK}\n`);
}

export function register(program: Command): void {
  program
    .command('init')
    .description(`write ${REPO_CONFIG_FILE} at the top of this repository, with the detected check command`)
    .option('--force', `overwrite an existing ${REPO_CONFIG_FILE}`)
    .option('--json', 'print the written path and content as JSON')
    .action(action(init));
}
