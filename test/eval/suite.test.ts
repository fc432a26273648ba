import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSuite, parseSuite } from '../../src/eval/suite.js';
import { missingNeeds } from '../../src/eval/needs.js';
import { projectRoot, tempDir } from '../helpers/git-repo.js';

const EVAL = path.join(projectRoot, 'fixtures/eval');

describe('loadSuite', () => {
  it('reads the seed suite: three script tasks with published figures and their scripts', async () => {
    const cases = await loadSuite(EVAL, 'seeds');
    expect(cases.map((c) => [c.name, c.meta.published, c.task.check, c.script !== null])).toEqual([
      ['calendar', { attempts: 1, seconds: 22 }, null, true],
      ['csv-revenue', { attempts: 3, seconds: 159 }, null, true],
      ['mlp', { attempts: 2, seconds: 50 }, null, true],
    ]);
    expect(cases.every((c) => c.suite === 'seeds' && path.isAbsolute(c.dir))).toBe(true);
  });

  it('takes any suite folder present and a missing suite has no cases', async () => {
    const root = await tempDir();
    await cp(path.join(EVAL, 'seeds', 'calendar'), path.join(root, 'bugs', 'one'), { recursive: true });
    expect((await loadSuite(root, 'all')).map((c) => `${c.suite}/${c.name}`)).toEqual(['bugs/one']);
    expect(await loadSuite(root, 'seeds')).toEqual([]);
  });

  it('refuses a bad case folder naming the file', async () => {
    const root = await tempDir();
    const dir = path.join(root, 'bugs', 'broken');
    await cp(path.join(EVAL, 'seeds', 'calendar'), dir, { recursive: true });
    await writeFile(
      path.join(dir, 'case.json'),
      JSON.stringify({ title: 'x', language: 'cobol', kind: 'k', verify: 'true' }),
    );
    await expect(loadSuite(root, 'bugs')).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining(`eval case ${path.join(dir, 'case.json')}: ✖ Invalid option`),
    });
    await writeFile(path.join(dir, 'case.json'), '{');
    await expect(loadSuite(root, 'bugs')).rejects.toMatchObject({
      message: expect.stringContaining('case.json'),
    });
    const bare = path.join(root, 'seeds', 'bare');
    await mkdir(bare, { recursive: true });
    await cp(path.join(EVAL, 'seeds', 'calendar', 'case.json'), path.join(bare, 'case.json'));
    await expect(loadSuite(root, 'seeds')).rejects.toMatchObject({
      message: `eval case ${bare}: task.yaml is missing`,
    });
  });
});

describe('parseSuite and missingNeeds', () => {
  it('knows seeds, bugs and all; a case needing a command not on PATH, or a Python module, says which', async () => {
    expect(parseSuite('all')).toBe('all');
    expect(() => parseSuite('nope')).toThrow('unknown suite "nope"');
    const meta = {
      title: 't',
      language: 'python' as const,
      kind: 'k',
      verify: 'true',
      needs: [
        'sh',
        'no-such-command-here',
        'python3:json',
        'python3:no_such_module_here',
        'no-such-python:json',
      ],
    };
    expect(await missingNeeds(meta)).toEqual([
      'no-such-command-here on PATH',
      'the python3 module no_such_module_here',
      'no-such-python on PATH',
    ]);
  });
});
