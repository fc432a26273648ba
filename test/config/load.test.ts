import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, userConfigPath, type LoadConfigOptions } from '../../src/config/load.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { FactoryError } from '../../src/errors.js';
import { tempDir } from './tmp.js';

async function writeJson(file: string, value: unknown): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

/** Loads with nothing from the real machine: no real user config, no real environment. */
async function load(dir: string, opts: LoadConfigOptions = {}) {
  return loadConfig({ userConfigPath: path.join(dir, 'user.json'), env: {}, ...opts });
}

async function loadError(dir: string, opts: LoadConfigOptions): Promise<FactoryError> {
  const e = await load(dir, opts).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FactoryError);
  expect((e as FactoryError).exitCode).toBe(2);
  return e as FactoryError;
}

describe('loadConfig', () => {
  it('returns the defaults, all sourced as default, when nothing is configured', async () => {
    const dir = await tempDir();
    const { config, sources } = await load(dir, { repoRoot: dir });
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(Object.values(sources).every((s) => s === 'default')).toBe(true);
    expect(sources['agent.maxAttempts']).toBe('default');
    expect(Object.keys(sources)).toHaveLength(53);
  });

  it('layers user config < repo config < env < flags, and says where each value came from', async () => {
    const dir = await tempDir();
    const user = await writeJson(path.join(dir, 'user.json'), {
      server: { model: 'user-model', apiKey: 'user-key' },
      agent: { maxAttempts: 7, temperature: 0.5 },
      worktree: { copy: ['.env', '.env.local'] },
    });
    const repo = await writeJson(path.join(dir, '.factoryrc.json'), {
      $schema: './schema.json',
      server: { model: 'repo-model' },
      agent: { maxAttempts: 6 },
      worktree: { copy: ['.npmrc'] },
      check: 'make check',
    });
    const { config, sources } = await load(dir, {
      repoRoot: dir,
      env: { FACTORY_MAX_ATTEMPTS: '4', FACTORY_CHECK: 'npm run check' },
      flags: { check: 'pytest -x', 'agent.llmTimeout': undefined },
    });
    expect(config.server.model).toBe('repo-model');
    expect(config.server.apiKey).toBe('user-key');
    expect(config.agent.temperature).toBe(0.5);
    expect(config.agent.maxAttempts).toBe(4);
    expect(config.check).toBe('pytest -x');
    // Arrays replace, they do not concatenate.
    expect(config.worktree.copy).toEqual(['.npmrc']);
    // Objects merge: the rest of each section keeps its default.
    expect(config.server.baseURL).toBe(DEFAULT_CONFIG.server.baseURL);
    expect(config).not.toHaveProperty('$schema');
    expect(sources).toMatchObject({
      'server.model': repo,
      'server.apiKey': user,
      'agent.temperature': user,
      'agent.maxAttempts': 'env FACTORY_MAX_ATTEMPTS',
      check: 'flag --check',
      'worktree.copy': repo,
      'server.baseURL': 'default',
      'agent.llmTimeout': 'default',
    });
  });

  it('names flags as the caller spelled them', async () => {
    const dir = await tempDir();
    const { config, sources } = await load(dir, {
      flags: { 'agent.maxAttempts': '3', 'server.model': 'm' },
      flagNames: { 'agent.maxAttempts': '--set agent.maxAttempts' },
    });
    expect(config.agent.maxAttempts).toBe(3);
    expect(sources['agent.maxAttempts']).toBe('flag --set agent.maxAttempts');
    expect(sources['server.model']).toBe('flag --model');
  });

  it('accepts typed flag values as they are', async () => {
    const dir = await tempDir();
    const { config } = await load(dir, { flags: { parallel: 4, 'server.command': null } });
    expect(config.parallel).toBe(4);
    expect(config.server.command).toBeNull();
  });

  it('finds the user config through FACTORY_CONFIG, XDG_CONFIG_HOME or HOME', async () => {
    const dir = await tempDir();
    expect(userConfigPath({ FACTORY_CONFIG: '/x/c.json', XDG_CONFIG_HOME: '/xdg' })).toBe('/x/c.json');
    expect(userConfigPath({ XDG_CONFIG_HOME: '/xdg', HOME: '/home/u' })).toBe('/xdg/factory/config.json');
    expect(userConfigPath({ HOME: '/home/u' })).toBe('/home/u/.config/factory/config.json');

    const xdgFile = await writeJson(path.join(dir, 'xdg', 'factory', 'config.json'), { parallel: 5 });
    const viaXdg = await loadConfig({ env: { XDG_CONFIG_HOME: path.join(dir, 'xdg') } });
    expect(viaXdg.config.parallel).toBe(5);
    expect(viaXdg.sources.parallel).toBe(xdgFile);

    const explicit = await writeJson(path.join(dir, 'explicit.json'), { parallel: 6 });
    const viaEnv = await loadConfig({
      env: { FACTORY_CONFIG: explicit, XDG_CONFIG_HOME: path.join(dir, 'xdg') },
    });
    expect(viaEnv.config.parallel).toBe(6);

    const missing = await loadConfig({ env: { FACTORY_CONFIG: path.join(dir, 'none.json') } });
    expect(missing.config).toEqual(DEFAULT_CONFIG);
  });

  it('coerces env values to the type of their field', async () => {
    const dir = await tempDir();
    const { config, sources } = await load(dir, {
      env: {
        FACTORY_AGENT_LLM_TIMEOUT: '30',
        FACTORY_AGENT_TEMPERATURE: '0.2',
        FACTORY_SERVER_COMMAND: 'null',
        FACTORY_WORKTREE_COPY: '[".env"]',
        FACTORY_SERVER_ENDPOINTS: '[{"baseURL": "http://gpu:8000/v1", "concurrency": 2}]',
        FACTORY_WORKTREE_SETUP: 'npm ci',
        FACTORY_MODEL: 'alias-model',
        FACTORY_BASE_URL: 'http://localhost:9000/v1',
        FACTORY_API_KEY: 'k',
        FACTORY_CONCURRENCY: '2',
        FACTORY_PARALLEL: '3',
        FACTORY_TOOLS: 'text',
        FACTORY_WORKTREE_DIR: '../trees',
        FACTORY_CHECK: 'null',
      },
    });
    expect(config.agent.llmTimeout).toBe(30);
    expect(config.agent.temperature).toBe(0.2);
    expect(config.server.command).toBeNull();
    expect(config.worktree.copy).toEqual(['.env']);
    expect(config.server.endpoints).toEqual([{ baseURL: 'http://gpu:8000/v1', concurrency: 2 }]);
    expect(config.worktree.setup).toBe('npm ci');
    expect(config.server).toMatchObject({
      model: 'alias-model',
      baseURL: 'http://localhost:9000/v1',
      apiKey: 'k',
      concurrency: 2,
    });
    expect(config.parallel).toBe(3);
    expect(config.agent.tools).toBe('text');
    expect(config.worktree.dir).toBe('../trees');
    expect(config.check).toBeNull();
    expect(sources['agent.llmTimeout']).toBe('env FACTORY_AGENT_LLM_TIMEOUT');
    expect(sources['server.model']).toBe('env FACTORY_MODEL');
  });

  it('prefers the full env name over its short alias', async () => {
    const dir = await tempDir();
    const { config, sources } = await load(dir, {
      env: { FACTORY_MODEL: 'short', FACTORY_SERVER_MODEL: 'long' },
    });
    expect(config.server.model).toBe('long');
    expect(sources['server.model']).toBe('env FACTORY_SERVER_MODEL');
  });

  it('ignores FACTORY_ variables that are no setting, and empty ones', async () => {
    const dir = await tempDir();
    const { config } = await load(dir, {
      env: {
        FACTORY_DEBUG: '1',
        FACTORY_STATE_DIR: '/tmp/x',
        FACTORY_CONFIG: path.join(dir, 'none.json'),
        FACTORY_SOMETHING_ELSE: 'x',
        FACTORY_MODEL: '',
      },
    });
    expect(config).toEqual(DEFAULT_CONFIG);
  });

  it('names the env var and field when an env value does not fit', async () => {
    const dir = await tempDir();
    const e = await loadError(dir, { env: { FACTORY_MAX_ATTEMPTS: 'five' } });
    expect(e.message).toBe(
      'env FACTORY_MAX_ATTEMPTS: agent.maxAttempts: expected an integer from 1 to 100, got "five"',
    );
    const e2 = await loadError(dir, { env: { FACTORY_WORKTREE_COPY: '.env' } });
    expect(e2.message).toBe(
      'env FACTORY_WORKTREE_COPY: worktree.copy: expected an array of paths, got ".env"',
    );
  });

  it('names the file and field on a wrong type', async () => {
    const dir = await tempDir();
    const file = await writeJson(path.join(dir, '.factoryrc.json'), { agent: { maxAttempts: 'five' } });
    const e = await loadError(dir, { repoRoot: dir });
    expect(e.message).toBe(`${file}: agent.maxAttempts: expected an integer from 1 to 100, got "five"`);
  });

  it('points at the layer that is wrong, not at the merged result', async () => {
    const dir = await tempDir();
    const user = await writeJson(path.join(dir, 'user.json'), { agent: { tools: 'telepathy' } });
    await writeJson(path.join(dir, '.factoryrc.json'), { agent: { tools: 'text' } });
    const e = await loadError(dir, { repoRoot: dir });
    expect(e.message).toBe(`${user}: agent.tools: expected one of "auto", "native", "text", got "telepathy"`);
  });

  it('reports every problem of a file, with array indices', async () => {
    const dir = await tempDir();
    const file = await writeJson(path.join(dir, '.factoryrc.json'), {
      server: { baseURL: 'ftp://x', endpoints: [{ concurrency: 0 }] },
      check: '',
    });
    const lines = (await loadError(dir, { repoRoot: dir })).message.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        `${file}: server.baseURL: expected an http(s) URL such as "http://127.0.0.1:8080/v1", got "ftp://x"`,
        `${file}: server.endpoints[0].baseURL: missing; expected an http(s) URL such as "http://127.0.0.1:8080/v1"`,
        `${file}: server.endpoints[0].concurrency: expected an integer from 1 to 256, got 0`,
        `${file}: check: expected a shell command or null, got ""`,
      ]),
    );
    expect(lines).toHaveLength(4);
  });

  it('rejects an unknown key and suggests the nearest one in the same object', async () => {
    const dir = await tempDir();
    const file = await writeJson(path.join(dir, '.factoryrc.json'), { agent: { maxAtempts: 3 } });
    const e = await loadError(dir, { repoRoot: dir });
    expect(e.message).toBe(`${file}: agent.maxAtempts: unknown key; did you mean "maxAttempts"?`);

    await writeJson(path.join(dir, '.factoryrc.json'), { server: { baseUrl: 'http://x/v1' }, paralel: 2 });
    const lines = (await loadError(dir, { repoRoot: dir })).message.split('\n');
    expect(lines).toContain(`${file}: server.baseUrl: unknown key; did you mean "baseURL"?`);
    expect(lines).toContain(`${file}: paralel: unknown key; did you mean "parallel"?`);

    // Suggestions come from the same object only: `check` lives at the top, not in agent.
    await writeJson(path.join(dir, '.factoryrc.json'), { agent: { check: 'x' } });
    const far = await loadError(dir, { repoRoot: dir });
    expect(far.message).toMatch(/agent\.check: unknown key; valid keys are maxAttempts, .*tools, prompts$/);
  });

  it('rejects an unknown flag key with a suggestion', async () => {
    const dir = await tempDir();
    const e = await loadError(dir, {
      flags: { 'worktree.pol': '3' },
      flagNames: { 'worktree.pol': '--set worktree.pol' },
    });
    expect(e.message).toBe('flag --set worktree.pol: worktree.pol: unknown key; did you mean "pool"?');
  });

  it('treats __proto__ in a flag key as an unknown key, not as a prototype', async () => {
    const dir = await tempDir();
    const e = await loadError(dir, { flags: { '__proto__.polluted': '1' } });
    expect(e.message).toMatch(/__proto__: unknown key/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names the file, line and column of invalid JSON', async () => {
    const dir = await tempDir();
    const file = await writeJson(path.join(dir, '.factoryrc.json'), '{\n  "check": "npm test",\n}\n');
    const e = await loadError(dir, { repoRoot: dir });
    expect(e.message).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid JSON at line 3, column 1`),
    );

    await writeJson(path.join(dir, '.factoryrc.json'), '{\n  "worktree": {\n    "copy": [".env",]\n  }\n}\n');
    const e2 = await loadError(dir, { repoRoot: dir });
    expect(e2.message).toBe(`${file}: invalid JSON at line 3, column 21: Unexpected token ']'`);
  });

  it('requires the file to hold an object', async () => {
    const dir = await tempDir();
    const file = await writeJson(path.join(dir, '.factoryrc.json'), '["npm test"]');
    const e = await loadError(dir, { repoRoot: dir });
    expect(e.message).toBe(`${file}: expected a JSON object, got ["npm test"]`);
  });

  it("validates the project's own .factoryrc.json", async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const { config, sources } = await loadConfig({ repoRoot: root, env: {}, userConfigPath: '/nonexistent' });
    expect(config.check).toBe('npm test');
    expect(sources.check).toMatch(/\.factoryrc\.json$/);
  });
});
