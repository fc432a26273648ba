import { stat } from 'node:fs/promises';
import path from 'node:path';
import { defaultValues } from './defaults.js';
import { REPO_CONFIG_FILE, userConfigPath } from './files.js';
import type { Config } from './schema.js';
import { cacheInputs, readCached, writeCached } from './validated-cache.js';

/** Variables that start with FACTORY_ but set nothing: they do not make a layer. */
const NOT_SETTINGS = new Set(['FACTORY_CONFIG', 'FACTORY_DEBUG', 'FACTORY_STATE_DIR']);

/** Whether `file` may exist: only a certain absence counts (anything odd is the loader's to judge). */
async function mayExist(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code !== 'ENOENT' && code !== 'ENOTDIR';
  }
}

/**
 * Whether nothing can change the defaults: no flag, no FACTORY_* variable that may name a
 * setting, no user config and no repo config file. Errs towards "something": the full loader
 * then decides, with its messages.
 */
async function nothingConfigured(opts: {
  repoRoot?: string;
  flags?: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
}): Promise<boolean> {
  if (Object.values(opts.flags ?? {}).some((v) => v !== undefined)) return false;
  for (const [name, value] of Object.entries(opts.env))
    if (name.startsWith('FACTORY_') && value !== undefined && value !== '' && !NOT_SETTINGS.has(name))
      return false;
  const files = [userConfigPath(opts.env)];
  if (opts.repoRoot) files.push(path.join(opts.repoRoot, REPO_CONFIG_FILE));
  const present = await Promise.all(files.map(mayExist));
  return !present.some(Boolean);
}

/**
 * The effective configuration, as loadConfig() gives it. With nothing configured that is the
 * defaults, known without loading zod and the schema. Otherwise, given factory's folder
 * (`factoryDir`, with `repoRoot`), the configuration loadConfig() last accepted for exactly the
 * same inputs (validated-cache.ts); failing that, loadConfig() reads and checks every layer, as it
 * always does, and what it accepts is cached.
 */
export async function effectiveConfig(
  opts: {
    repoRoot?: string;
    flags?: Record<string, unknown>;
    env?: NodeJS.ProcessEnv;
    factoryDir?: string;
  } = {},
): Promise<Config> {
  const env = opts.env ?? process.env;
  if (await nothingConfigured({ ...opts, env })) return defaultValues();
  const { factoryDir, repoRoot, flags = {} } = opts;
  const inputs =
    factoryDir && repoRoot
      ? await cacheInputs({ repoRoot, userConfig: userConfigPath(env), flags, env })
      : undefined;
  if (inputs) {
    const cached = await readCached(factoryDir!, inputs.key);
    if (cached) return cached;
  }
  const { loadConfig } = await import('./load.js');
  const { config } = await loadConfig({ repoRoot, flags, env, texts: inputs?.texts });
  if (inputs) await writeCached(factoryDir!, inputs.key, config);
  return config;
}
