import type { Command } from 'commander';
import path from 'node:path';
import { leaves } from '../../config/fields.js';
import { loadConfig, REPO_CONFIG_FILE, userConfigPath } from '../../config/load.js';
import { parseSettings, writeSettings } from '../../config/write-settings.js';
import { refuse } from '../../errors.js';
import { openRepo } from '../../git/repo.js';
import { action, emit } from '../action.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function valueAt(config: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], config);
}

interface ConfigOptions {
  set: string[];
  user?: boolean;
  json?: boolean;
}

/** The repository's top level, or undefined outside one. */
async function repoRootOf(cwd: string): Promise<string | undefined> {
  return openRepo(cwd).then(
    (r) => r.root,
    () => undefined,
  );
}

async function showConfig(opts: ConfigOptions): Promise<void> {
  // Outside a repository there is no .factoryrc.json, but the other layers still apply.
  const repoRoot = await repoRootOf(process.cwd());
  const { config, sources } = await loadConfig({ repoRoot });
  emit(opts.json, { config, sources }, () => {
    const rows: string[][] = [];
    for (const l of leaves()) {
      // A section that is null (`visual`, off by default) is one row, not a row per field it lacks.
      const section = l.path.length > 1 ? valueAt(config, l.path.slice(0, 1)) : undefined;
      if (section === null) {
        if (!rows.some(([left]) => left === `${l.path[0]} = null`))
          rows.push([`${l.path[0]} = null`, sources[l.key]!]);
      } else rows.push([`${l.key} = ${JSON.stringify(valueAt(config, l.path))}`, sources[l.key]!]);
    }
    // Align the sources, but let one long value (server.command) overflow instead of pushing all of them right.
    const width = Math.min(48, Math.max(...rows.map(([left]) => left!.length)));
    return rows.map(([left, source]) => `${left!.padEnd(width)}   (${source})`).join('\n');
  });
}

/** Like `git config key value`: into the repo's .factoryrc.json, or the user config with --user. */
async function setConfig(opts: ConfigOptions): Promise<void> {
  const settings = parseSettings(opts.set);
  const repoRoot = await repoRootOf(process.cwd());
  let file: string;
  if (opts.user) file = userConfigPath();
  else if (repoRoot) file = path.join(repoRoot, REPO_CONFIG_FILE);
  else
    throw refuse(
      'not in a git repository: --set writes its .factoryrc.json',
      'use --user for your user config',
    );
  const data = await writeSettings(file, file, settings, opts.user ? undefined : repoRoot);
  const written = Object.fromEntries(settings.map((s) => [s.key, valueAt(data, s.key.split('.'))]));
  emit(opts.json, { path: file, set: written }, () =>
    Object.entries(written)
      .map(([k, v]) => `${file}: ${k} = ${JSON.stringify(v)}`)
      .join('\n'),
  );
}

export function register(program: Command): void {
  program
    .command('config')
    .description(
      `show the effective configuration and where each value comes from; --set writes ${REPO_CONFIG_FILE}`,
    )
    .option(
      '--set <key=value>',
      `write a setting into this repo's ${REPO_CONFIG_FILE}, e.g. agent.maxAttempts=3 (repeatable)`,
      collect,
      [],
    )
    .option('--user', 'with --set: write the user config (~/.config/factory/config.json) instead')
    .option('--json', 'print {config, sources} as JSON (with --set: {path, set})')
    .action(
      action(async (opts: ConfigOptions) => {
        if (opts.set.length) return setConfig(opts);
        if (opts.user) throw refuse('--user goes with --set: factory config --user --set key=value');
        return showConfig(opts);
      }),
    );
}
