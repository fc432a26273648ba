import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultValues } from '../../src/config/defaults.js';
import { effectiveConfig } from '../../src/config/effective.js';
import { loadConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { FactoryError } from '../../src/errors.js';
import { tempDir } from './tmp.js';

async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
}

/** The environment of a user whose home is `dir`: its user config is dir/.config/factory/config.json. */
const homeEnv = (dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ HOME: dir, ...extra });

describe('defaultValues', () => {
  it('is what the schema gives for an empty configuration (paste the printed object on a change)', () => {
    const fromSchema = configSchema.parse({});
    expect(defaultValues(), JSON.stringify(fromSchema, null, 2)).toStrictEqual(
      JSON.parse(JSON.stringify(fromSchema)),
    );
  });

  it('is a fresh copy each time', () => {
    const a = defaultValues();
    a.agent.maxAttempts = 9;
    expect(defaultValues().agent.maxAttempts).toBe(5);
  });
});

describe('effectiveConfig', () => {
  it('with nothing configured is the defaults, as loadConfig gives them', async () => {
    const dir = await tempDir();
    // FACTORY_DEBUG and FACTORY_CONFIG name no setting; an empty value counts as unset.
    const env = homeEnv(dir, { FACTORY_DEBUG: '1', FACTORY_MODEL: '' });
    const quick = await effectiveConfig({ repoRoot: dir, env, flags: { check: undefined } });
    expect(quick).toEqual((await loadConfig({ repoRoot: dir, env })).config);
    expect(quick).toEqual(configSchema.parse({}));
  });

  it('reads every layer when one is there: repo file, user file, variable, flag', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, '.factoryrc.json'), { check: 'make check' });
    expect((await effectiveConfig({ repoRoot: dir, env: homeEnv(dir) })).check).toBe('make check');

    const home = await tempDir();
    await writeJson(path.join(home, '.config/factory/config.json'), { parallel: 3 });
    expect((await effectiveConfig({ env: homeEnv(home) })).parallel).toBe(3);

    const env = homeEnv(home, { FACTORY_MODEL: 'env-model', FACTORY_CONFIG: path.join(home, 'none.json') });
    const fromEnv = await effectiveConfig({ env });
    expect(fromEnv.server.model).toBe('env-model');
    expect(fromEnv.parallel).toBe(2); // FACTORY_CONFIG moved the user config away

    const empty = await tempDir();
    expect((await effectiveConfig({ env: homeEnv(empty), flags: { check: 'pytest' } })).check).toBe('pytest');
  });

  it('refuses what loadConfig refuses: an invalid file, a folder where the file should be', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, '.factoryrc.json'), { agent: { maxAttempts: 0 } });
    const bad = await effectiveConfig({ repoRoot: dir, env: homeEnv(dir) }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(FactoryError);
    expect((bad as FactoryError).exitCode).toBe(2);
    expect((bad as FactoryError).message).toContain('maxAttempts');

    const other = await tempDir();
    await mkdir(path.join(other, '.factoryrc.json'));
    const folder = await effectiveConfig({ repoRoot: other, env: homeEnv(other) }).catch((e: unknown) => e);
    expect(folder).toBeInstanceOf(FactoryError);
    expect((folder as FactoryError).message).toContain('not a regular file');
  });
});
