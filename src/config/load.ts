import path from 'node:path';
import { FactoryError, refuse } from '../errors.js';
import { envSettings } from './env.js';
import { coerce, leafByKey, leaves } from './fields.js';
import { describeIssues, formatPath } from './issues.js';
import { parseJson } from './json.js';
import { checkDepth, readInputFile } from './read-file.js';
import { configSchema, type Config } from './schema.js';
import { expandShorthands } from './shorthand.js';
import { REPO_CONFIG_FILE, userConfigPath } from './files.js';
import { worktreePathProblems } from './worktree-paths.js';
import { visualProblems } from './visual-checks.js';
import { describerProblems } from './managed-describer.js';
import { isObject, setPath, type Data } from './set-path.js';

export { REPO_CONFIG_FILE, userConfigPath };

export interface LoadConfigOptions {
  /** The repository's top level; without it the repo's .factoryrc.json is not read. */
  repoRoot?: string;
  /** Command-line settings by dotted key (`agent.maxAttempts`); strings are coerced like env values. */
  flags?: Record<string, unknown>;
  /** How each flag key was written on the command line, for messages; default `--<kebab-case key>`. */
  flagNames?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  /** Overrides FACTORY_CONFIG / XDG_CONFIG_HOME / ~/.config. */
  userConfigPath?: string;
  /**
   * Config files already read, by path (undefined: absent): these texts are checked instead of
   * reading the files again, so a cache keyed by them holds exactly what was checked.
   */
  texts?: ReadonlyMap<string, string | undefined>;
}

export interface LoadedConfig {
  config: Config;
  /** Dotted leaf path -> `default`, a file path, `env FACTORY_X` or `flag --x`. */
  sources: Record<string, string>;
}

interface Layer {
  data: Data;
  /** Names where the value at `path` came from, in messages and in `sources`. */
  origin(path: readonly PropertyKey[]): string;
}

/** Short when the file is under the working directory, as people type it; absolute otherwise. */
function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

async function fileLayer(
  file: string,
  texts?: ReadonlyMap<string, string | undefined>,
): Promise<Layer | undefined> {
  const label = displayPath(file);
  const text = texts?.has(file) ? texts.get(file) : await readInputFile(file, label);
  if (text === undefined) return undefined;
  const data = parseJson(text, label);
  return { data: data as Data, origin: () => label };
}

/** A layer built from individually named settings (env vars, flags), each with its own origin. */
function keyedLayer(settings: { key: string; value: unknown; origin: string }[]): Layer {
  const data: Data = {};
  for (const s of settings) setPath(data, s.key.split('.'), s.value);
  return {
    data,
    origin(p) {
      const dotted = p.map(String).join('.');
      // The last one wins, as in the merge.
      const match = [...settings]
        .reverse()
        .find((s) => s.key === dotted || dotted.startsWith(`${s.key}.`) || s.key.startsWith(`${dotted}.`));
      return (match ?? settings[0])!.origin;
    },
  };
}

function envLayer(env: NodeJS.ProcessEnv): Layer {
  return keyedLayer(
    envSettings(env).map((s) => ({ key: s.leaf.key, value: s.value, origin: `env ${s.name}` })),
  );
}

const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

function flagLayer(flags: Record<string, unknown>, names: Record<string, string> = {}): Layer {
  const settings = Object.entries(flags)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => {
      const leaf = leafByKey(key);
      return {
        key,
        value: leaf && typeof value === 'string' ? coerce(leaf, value) : value,
        origin: `flag ${names[key] ?? `--${kebab(key.split('.').pop()!)}`}`,
      };
    });
  return keyedLayer(settings);
}

/** Each layer is checked alone so the message names the file, variable or flag that is wrong. */
function validate(layer: Layer, repoRoot: string | undefined): void {
  checkDepth(layer.data, (p) => layer.origin(p));
  const result = configSchema.safeParse(layer.data);
  if (!result.success) {
    throw refuse(describeIssues(result.error.issues, layer.data, (p) => layer.origin(p)).join('\n'));
  }
  const paths = worktreePathProblems(layer.data, repoRoot);
  if (paths.length)
    throw refuse(paths.map((p) => `${layer.origin(p.path)}: ${formatPath(p.path)}: ${p.message}`).join('\n'));
}

/** Objects merge key by key; anything else, arrays included, replaces what is below. */
function merge(target: Data, source: Data): Data {
  for (const [k, v] of Object.entries(source)) {
    target[k] = isObject(v) && isObject(target[k]) ? merge({ ...(target[k] as Data) }, v) : v;
  }
  return target;
}

function has(data: Data, keys: readonly string[]): boolean {
  let v: unknown = data;
  for (const k of keys) {
    // A section set to null (`"visual": null`) sets every field in it.
    if (v === null) return true;
    if (!isObject(v) || !Object.hasOwn(v, k)) return false;
    v = v[k];
  }
  return true;
}

/**
 * The effective configuration: defaults, then the user's config, the repo's .factoryrc.json,
 * FACTORY_* variables and flags, each overriding the ones before.
 */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const candidates = [
    await fileLayer(opts.userConfigPath ?? userConfigPath(env), opts.texts),
    opts.repoRoot ? await fileLayer(path.join(opts.repoRoot, REPO_CONFIG_FILE), opts.texts) : undefined,
    envLayer(env),
    flagLayer(opts.flags ?? {}, opts.flagNames),
  ];
  const layers = candidates.filter((l): l is Layer => l !== undefined);
  for (const layer of layers) expandShorthands(layer.data);
  for (const layer of layers) validate(layer, opts.repoRoot);

  let merged: Data = {};
  for (const layer of layers) merged = merge(merged, layer.data);
  // `$schema` tells editors about the file it is in; it is no setting.
  delete merged.$schema;
  const result = configSchema.safeParse(merged);
  if (!result.success)
    throw new FactoryError(`invalid configuration: ${result.error.message}`, { exitCode: 2 });

  const topFirst = [...layers].reverse();
  const visual = [...visualProblems(result.data.visual), ...describerProblems(result.data)];
  if (visual.length)
    throw refuse(
      visual
        .map((p) => {
          const from =
            topFirst.find((l) => has(l.data, p.path)) ?? topFirst.find((l) => has(l.data, ['visual']));
          return `${from ? from.origin(p.path) : 'default'}: ${formatPath(p.path)}: ${p.message}`;
        })
        .join('\n'),
    );
  const sources: Record<string, string> = {};
  for (const leaf of leaves()) {
    const layer = topFirst.find((l) => has(l.data, leaf.path));
    sources[leaf.key] = layer ? layer.origin(leaf.path) : 'default';
  }
  return { config: result.data, sources };
}
