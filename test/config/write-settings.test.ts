import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { parseSettings, writeSettings } from '../../src/config/write-settings.js';
import { FactoryError } from '../../src/errors.js';
import { tempDir } from './tmp.js';

const set = (...args: string[]) => parseSettings(args);

async function refusal(p: Promise<unknown>): Promise<FactoryError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FactoryError);
  expect((e as FactoryError).exitCode).toBe(2);
  return e as FactoryError;
}

describe('writeSettings (factory config --set)', () => {
  it('sets values in their types, keeps the other keys and writes 2-space JSON', async () => {
    const dir = await tempDir();
    const file = path.join(dir, '.factoryrc.json');
    await writeFile(file, '{"$schema":"./s.json","check":"npm test","agent":{"temperature":0.2}}');
    await writeSettings(
      file,
      '.factoryrc.json',
      set('agent.maxAttempts=3', 'check=pytest -q', 'worktree.copy=[".env"]', 'worktree.setup=null'),
      dir,
    );
    const text = await readFile(file, 'utf8');
    expect(JSON.parse(text)).toEqual({
      $schema: './s.json',
      check: 'pytest -q',
      agent: { temperature: 0.2, maxAttempts: 3 },
      worktree: { copy: ['.env'], setup: null },
    });
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    // The loader reads what was written, from that file.
    const { config, sources } = await loadConfig({ repoRoot: dir, userConfigPath: path.join(dir, 'none') });
    expect(config.agent.maxAttempts).toBe(3);
    expect(sources['agent.maxAttempts']).toBe(file);
    expect(await readdir(dir)).toEqual(['.factoryrc.json']);
  });

  it('creates the file and its folder when they do not exist', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'xdg', 'factory', 'config.json');
    expect(await writeSettings(file, file, set('parallel=4'))).toEqual({ parallel: 4 });
    expect(await readFile(file, 'utf8')).toBe('{\n  "parallel": 4\n}\n');
  });

  it('refuses a bad key or value naming the --set and the field, and leaves the file as it was', async () => {
    const dir = await tempDir();
    const file = path.join(dir, '.factoryrc.json');
    const before = '{ "check":   "npm test" }\n';
    await writeFile(file, before);
    const typo = await refusal(writeSettings(file, file, set('agent.maxAtempts=3'), dir));
    expect(typo.message).toBe(
      '--set agent.maxAtempts: agent.maxAtempts: unknown key; did you mean "maxAttempts"?',
    );
    const notNumber = await refusal(writeSettings(file, file, set('agent.maxAttempts=lots'), dir));
    expect(notNumber.message).toMatch(/^--set agent\.maxAttempts: agent\.maxAttempts: .*got "lots"$/);
    const escape = await refusal(writeSettings(file, file, set('worktree.copy=["../x"]'), dir));
    expect(escape.message).toMatch(/^--set worktree\.copy: worktree\.copy\[0\]: must stay inside/);
    const here = await refusal(writeSettings(file, file, set('worktree.dir=.'), dir));
    expect(here.message).toMatch(/^--set worktree\.dir: worktree\.dir: "\." is the repository itself/);
    // One good and one bad setting: nothing is written.
    await refusal(writeSettings(file, file, set('parallel=2', 'parallel2=3'), dir));
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(await readdir(dir)).toEqual(['.factoryrc.json']);
    expect(() => set('noequals')).toThrow(/^--set noequals: expected key=value/);
    expect(() => set('=1')).toThrow(/expected key=value/);
  });

  it('names the file for a problem already in it, and refuses a file that is no JSON object', async () => {
    const dir = await tempDir();
    const file = path.join(dir, '.factoryrc.json');
    await writeFile(file, '{"agent": {"maxAttempts": -1}}');
    const old = await refusal(writeSettings(file, 'the-file', set('parallel=2'), dir));
    expect(old.message).toMatch(/^the-file: agent\.maxAttempts: /);
    await writeFile(file, '[1]');
    expect((await refusal(writeSettings(file, 'the-file', set('parallel=2'), dir))).message).toBe(
      'the-file: expected a JSON object',
    );
    expect(await readFile(file, 'utf8')).toBe('[1]');
  });

  it('sets a field inside a shorthand, and never touches a prototype', async () => {
    const dir = await tempDir();
    const file = path.join(dir, '.factoryrc.json');
    await writeFile(file, '{"sandbox": "none"}');
    await writeSettings(file, file, set('sandbox.network=true'), dir);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ sandbox: { mode: 'none', network: true } });
    await writeSettings(file, file, set('sandbox=bwrap'), dir);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ sandbox: 'bwrap' });
    await refusal(writeSettings(file, file, set('__proto__.polluted=1'), dir));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps the mode of an existing file', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'sub', 'config.json');
    await mkdir(path.dirname(file));
    await writeFile(file, '{}', { mode: 0o600 });
    await writeSettings(file, file, set('parallel=3'));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
