import type { Command } from 'commander';
import { leaves } from '../../config/fields.js';
import { loadConfig } from '../../config/load.js';
import { refuse } from '../../errors.js';
import { openRepo } from '../../git/repo.js';
import { action, emit } from '../action.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseSets(sets: string[]): { flags: Record<string, string>; flagNames: Record<string, string> } {
  const flags: Record<string, string> = {};
  const flagNames: Record<string, string> = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw refuse(`--set ${s}: expected key=value, e.g. --set agent.maxAttempts=3`);
    const key = s.slice(0, eq).trim();
    flags[key] = s.slice(eq + 1);
    flagNames[key] = `--set ${key}`;
  }
  return { flags, flagNames };
}

function valueAt(config: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], config);
}

async function showConfig(opts: { set: string[]; json?: boolean }): Promise<void> {
  // Outside a repository there is no .factoryrc.json, but the other layers still apply.
  const repoRoot = await openRepo(process.cwd()).then(
    (r) => r.root,
    () => undefined,
  );
  const { config, sources } = await loadConfig({ repoRoot, ...parseSets(opts.set) });
  emit(opts.json, { config, sources }, () => {
    const rows = leaves().map((l) => [
      `${l.key} = ${JSON.stringify(valueAt(config, l.path))}`,
      sources[l.key],
    ]);
    // Align the sources, but let one long value (server.command) overflow instead of pushing all of them right.
    const width = Math.min(48, Math.max(...rows.map(([left]) => left!.length)));
    return rows.map(([left, source]) => `${left!.padEnd(width)}   (${source})`).join('\n');
  });
}

export function register(program: Command): void {
  program
    .command('config')
    .description('show the effective configuration and where each value comes from')
    .option('--set <key=value>', 'override a setting, e.g. agent.maxAttempts=3 (repeatable)', collect, [])
    .option('--json', 'print {config, sources} as JSON')
    .action(action(showConfig));
}
