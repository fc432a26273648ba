import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { effectiveConfig } from '../../src/config/effective.js';
import { loadConfig } from '../../src/config/load.js';
import { CACHE_FILE } from '../../src/config/validated-cache.js';
import { FactoryError } from '../../src/errors.js';
import { tempDir } from './tmp.js';

async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
}

const MARK = 'echo from-the-cache';

/**
 * Changes the cached configuration behind the cache's back (its key kept): a result that shows
 * the mark came from the cache, one without it was loaded and checked again.
 */
async function mark(factoryDir: string): Promise<void> {
  const file = path.join(factoryDir, CACHE_FILE);
  const entry = JSON.parse(await readFile(file, 'utf8'));
  entry.config.check = MARK;
  await writeFile(file, JSON.stringify(entry));
}

/** A repo top level with a .factoryrc.json, its factory folder, and a home with no user config. */
async function setup(rc: unknown = { check: 'make check', worktree: { dir: 'trees' } }) {
  const root = await tempDir();
  const home = await tempDir();
  const factoryDir = path.join(root, '.git', 'factory');
  await writeJson(path.join(root, '.factoryrc.json'), rc);
  const env: NodeJS.ProcessEnv = { HOME: home };
  const run = (o: { env?: NodeJS.ProcessEnv; flags?: Record<string, unknown>; repoRoot?: string } = {}) =>
    effectiveConfig({ repoRoot: o.repoRoot ?? root, env: o.env ?? env, flags: o.flags, factoryDir });
  return { root, home, factoryDir, env, run };
}

async function refusal(p: Promise<unknown>): Promise<FactoryError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FactoryError);
  return e as FactoryError;
}

describe('the cache of the validated configuration', () => {
  it('a miss loads and stores; a hit returns exactly what loadConfig returns', async () => {
    const { root, factoryDir, env, run } = await setup();
    const expected = (await loadConfig({ repoRoot: root, env })).config;
    expect(await run()).toStrictEqual(expected);
    const file = path.join(factoryDir, CACHE_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const hit = await run();
    expect(hit).toStrictEqual(expected);
    // The relative worktree.dir stays as written: it resolves against the repo as without the cache.
    expect(hit.worktree.dir).toBe('trees');
    // And it was the cache that answered.
    await mark(factoryDir);
    expect((await run()).check).toBe(MARK);
  });

  it('one byte of .factoryrc.json, a FACTORY_* variable, a flag, the user config or the top level: a miss', async () => {
    const { root, home, factoryDir, env, run } = await setup({ check: 'make check' });
    const again = async (o: Parameters<typeof run>[0], expected: string) => {
      await mark(factoryDir);
      expect((await run(o)).check).toBe(expected);
      // The new inputs were stored: the same call now hits.
      await mark(factoryDir);
      expect((await run(o)).check).toBe(MARK);
    };
    await run();

    await writeJson(path.join(root, '.factoryrc.json'), { check: 'make checK' });
    await again({}, 'make checK');

    await again({ env: { ...env, FACTORY_CHECK: 'pytest' } }, 'pytest');
    // Even one that sets nothing: the key takes every FACTORY_* variable, erring towards a miss.
    await again({ env: { ...env, FACTORY_DEBUG: '1' } }, 'make checK');

    await again({ flags: { check: 'cargo test' } }, 'cargo test');

    await writeJson(path.join(home, '.config/factory/config.json'), { parallel: 3 });
    await mark(factoryDir);
    const withUser = await run();
    expect(withUser.check).toBe('make checK');
    expect(withUser.parallel).toBe(3);

    // Another worktree of the same repository shares the factory folder, not the answer.
    const other = await tempDir();
    await writeJson(path.join(other, '.factoryrc.json'), { check: 'make checK' });
    await again({ repoRoot: other }, 'make checK');
  });

  it('a broken or foreign cache file is ignored and rewritten', async () => {
    const { factoryDir, run } = await setup();
    const file = path.join(factoryDir, CACHE_FILE);
    for (const junk of ['{"format":1,"key":', 'null', '[]', '{"format":1,"key":"x","config":{}}']) {
      await writeJson(file, junk);
      expect((await run()).check).toBe('make check');
      const entry = JSON.parse(await readFile(file, 'utf8'));
      expect(entry.config.check).toBe('make check');
      expect(entry.key).toMatch(/^[0-9a-f]{64}$/);
    }
    // A folder where the file should be: no cache, the same answer.
    const { factoryDir: dir2, run: run2 } = await setup();
    await mkdir(path.join(dir2, CACHE_FILE), { recursive: true });
    expect((await run2()).check).toBe('make check');
    expect((await run2()).check).toBe('make check');
  });

  it('an invalid configuration is refused on every run, right after a valid one was cached', async () => {
    const { root, factoryDir, env, run } = await setup({ check: 'make check' });
    await run();
    const cached = await readFile(path.join(factoryDir, CACHE_FILE), 'utf8');
    await writeJson(path.join(root, '.factoryrc.json'), { check: 'make check', parallel: 0 });
    const direct = await refusal(loadConfig({ repoRoot: root, env }));
    for (let k = 0; k < 2; k++) {
      const e = await refusal(run());
      expect(e.exitCode).toBe(2);
      expect(e.message).toBe(direct.message);
      expect(e.message).toContain('parallel');
    }
    // Nothing of the refusal was stored.
    expect(await readFile(path.join(factoryDir, CACHE_FILE), 'utf8')).toBe(cached);
    // Invalid by the path rules as well as by the schema.
    await writeJson(path.join(root, '.factoryrc.json'), { worktree: { copy: ['../x'] } });
    expect((await refusal(run())).message).toContain('worktree.copy[0]');
    await writeJson(path.join(root, '.factoryrc.json'), { check: 'make check' });
    expect((await run()).check).toBe('make check');
    // A file the loader will not read (a folder, here) is its to refuse, with its message.
    const user = path.join(env.HOME!, '.config/factory/config.json');
    await mkdir(user, { recursive: true });
    expect((await refusal(run())).message).toContain('not a regular file');
  });

  it('without the factory folder nothing is cached (the loader answers, as before)', async () => {
    const { root, factoryDir, env } = await setup();
    const config = await effectiveConfig({ repoRoot: root, env });
    expect(config.check).toBe('make check');
    await expect(stat(path.join(factoryDir, CACHE_FILE))).rejects.toThrow();
  });
});
