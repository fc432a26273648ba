/**
 * The last configuration loadConfig() accepted, kept in factory's own folder so that a read-only
 * command in a configured repo need not load zod and the schema again (most of `factory list`'s
 * start-up). It is trusted only for exactly the same inputs: the key hashes every byte loadConfig
 * reads (both config files, as text), every FACTORY_* variable, the flags, the repository top
 * level, and the code that validates (see codeFingerprint). A refusal is never stored, so an
 * invalid configuration is checked, and refused, on every run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_CONFIG_FILE } from './files.js';
import { readInputFile } from './read-file.js';
import type { Config } from './schema.js';

/** The file in factory's folder (`.git/factory`) that holds the cached configuration. */
export const CACHE_FILE = 'validated-config.json';
/** Changes when the layout of the cache file does. */
const FORMAT = 1;

let fingerprint: string | undefined;

/**
 * What identifies the code that validates: this module's text and the names of the files beside
 * it. Bundled, those are dist/chunks/, each named by a hash of its content (the loader's, the
 * schema's and zod's chunks among them), so a new build never trusts an old cache. Run from
 * source (tsx, tests), the loader and the schema are the .ts files beside it: their text counts.
 */
function codeFingerprint(): string {
  if (fingerprint) return fingerprint;
  const self = fileURLToPath(import.meta.url);
  const dir = path.dirname(self);
  const hash = createHash('sha256').update(readFileSync(self));
  for (const name of readdirSync(dir).sort()) {
    hash.update(`\0${name}`);
    if (self.endsWith('.ts') && name.endsWith('.ts')) hash.update(readFileSync(path.join(dir, name)));
  }
  fingerprint = hash.digest('hex');
  return fingerprint;
}

export interface CacheInputs {
  /** The key of these inputs. */
  key: string;
  /** The text of each config file as read for the key (undefined: absent), for loadConfig to use. */
  texts: Map<string, string | undefined>;
}

/**
 * The key for these inputs, or undefined when a file cannot be read as loadConfig reads it (not
 * a regular file, too large, unreadable): loadConfig then says why, with its own message.
 */
export async function cacheInputs(opts: {
  repoRoot: string;
  userConfig: string;
  flags: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
}): Promise<CacheInputs | undefined> {
  const files = [opts.userConfig, path.join(opts.repoRoot, REPO_CONFIG_FILE)];
  const texts = new Map<string, string | undefined>();
  try {
    for (const f of files) texts.set(f, await readInputFile(f, f));
  } catch {
    return undefined;
  }
  const env = Object.entries(opts.env)
    .filter(([name]) => name.startsWith('FACTORY_'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const flags = Object.entries(opts.flags)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        format: FORMAT,
        code: codeFingerprint(),
        repoRoot: opts.repoRoot,
        files: files.map((f) => [f, texts.get(f) ?? null]),
        env,
        flags,
      }),
    )
    .digest('hex');
  return { key, texts };
}

/** The cached configuration for `key`, or undefined on any doubt (absent, unreadable, other key). */
export async function readCached(factoryDir: string, key: string): Promise<Config | undefined> {
  try {
    const entry = JSON.parse(await readFile(path.join(factoryDir, CACHE_FILE), 'utf8')) as unknown;
    if (typeof entry !== 'object' || entry === null) return undefined;
    const { format, key: stored, config } = entry as Record<string, unknown>;
    if (format !== FORMAT || stored !== key) return undefined;
    if (typeof config !== 'object' || config === null || Array.isArray(config)) return undefined;
    return config as Config;
  } catch {
    return undefined;
  }
}

/**
 * Stores `config` under `key`: a temporary file renamed over the old one, so a reader sees the
 * old entry or the new one, never half of one. A failure (read-only disk) only costs speed.
 */
export async function writeCached(factoryDir: string, key: string, config: Config): Promise<void> {
  const file = path.join(factoryDir, CACHE_FILE);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(factoryDir, { recursive: true });
    await writeFile(tmp, JSON.stringify({ format: FORMAT, key, config }), { mode: 0o600 });
    await rename(tmp, file);
  } catch {
    await rm(tmp, { force: true }).catch(() => undefined);
  }
}
