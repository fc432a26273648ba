import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { buildJsonSchema } from '../../src/config/json-schema.js';
import { FactoryError } from '../../src/errors.js';
import { readTaskFile } from '../../src/tasks/task-file.js';
import { cleanupTemps, makeRepo, runCli, tempDir } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

const load = (dir: string, env: NodeJS.ProcessEnv = {}, flags: Record<string, unknown> = {}) =>
  loadConfig({ repoRoot: dir, userConfigPath: path.join(dir, 'user.json'), env, flags });

describe('trust: sandbox configuration', () => {
  it('defaults to auto, network off for the check and on for setup', async () => {
    const dir = await tempDir();
    const { config } = await load(dir);
    expect(config.sandbox).toEqual({
      mode: 'auto',
      writable: [],
      readable: [],
      network: false,
      setupNetwork: true,
      envAllow: [],
      envDeny: [],
    });
  });

  it('takes "sandbox": "none" as short for {"mode": "none"}, in the file, the environment and --set', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, '.factoryrc.json'), '{ "sandbox": "none" }');
    const file = await load(dir);
    expect(file.config.sandbox.mode).toBe('none');
    expect(file.sources['sandbox.mode']).toContain('.factoryrc.json');
    expect((await load(dir, { FACTORY_SANDBOX: 'bwrap' })).config.sandbox.mode).toBe('bwrap');
    expect((await load(dir, {}, { sandbox: 'seatbelt' })).config.sandbox.mode).toBe('seatbelt');

    await writeFile(
      path.join(dir, '.factoryrc.json'),
      JSON.stringify({ sandbox: { mode: 'bwrap', writable: ['~/.cache/pip'], network: true } }),
    );
    const obj = await load(dir);
    expect(obj.config.sandbox).toMatchObject({ mode: 'bwrap', writable: ['~/.cache/pip'], network: true });
  });

  it('refuses an unknown mode, naming the file and the field', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, '.factoryrc.json'), '{ "sandbox": "docker" }');
    const err = await load(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FactoryError);
    expect((err as FactoryError).exitCode).toBe(2);
    expect((err as FactoryError).message).toMatch(
      /\.factoryrc\.json.*sandbox\.mode.*"auto", "bwrap", "seatbelt", "none"/s,
    );
  });

  it('documents the shorthand in the JSON Schema', () => {
    const props = buildJsonSchema().properties as Record<string, { anyOf?: { enum?: string[] }[] }>;
    expect(props.sandbox?.anyOf?.[0]?.enum).toEqual(['auto', 'bwrap', 'seatbelt', 'none']);
  });

  it('reads a per-task override from a task file, and refuses a bad one', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'tasks.yaml');
    await writeFile(
      file,
      'tasks:\n  - description: Needs no sandbox\n    sandbox: none\n  - description: Default\n',
    );
    const tasks = await readTaskFile(file);
    expect(tasks[0]?.sandbox).toBe('none');
    expect(tasks[1]?.sandbox).toBeUndefined();
    await writeFile(file, 'description: x\nsandbox: chroot\n');
    const err = await readTaskFile(file).catch((e: unknown) => e);
    expect((err as FactoryError).message).toMatch(
      /sandbox: expected one of "auto", "bwrap", "seatbelt", "none"/,
    );
  });

  it('shows the sandbox settings in `factory config`', async () => {
    const dir = await makeRepo({
      '.factoryrc.json': '{ "sandbox": { "mode": "none", "readable": ["~/.npmrc"] } }',
    });
    const r = await runCli(dir, ['config']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/sandbox\.mode = "none"\s+\(\.factoryrc\.json\)/);
    expect(r.stdout).toMatch(/sandbox\.readable = \["~\/\.npmrc"\]/);
    expect(r.stdout).toMatch(/sandbox\.network = false\s+\(default\)/);
  }, 60_000);
});
