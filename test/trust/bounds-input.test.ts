/**
 * Bad input gets a clear one-line message and exit 2, and changes nothing: config and task files
 * are read only when they are regular files of sane size and depth, every number in the config
 * has a range, a user's ref is checked before git sees it, and parse errors say where.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { leaves } from '../../src/config/fields.js';
import { FactoryError } from '../../src/errors.js';
import { readTaskFile } from '../../src/tasks/task-file.js';
import { cleanupTemps, makeRepo, sh, tempDir } from '../helpers/git-repo.js';
import { cli } from '../e2e/support.js';
import { openRepo } from '../../src/git/repo.js';
import { createTask } from '../../src/tasks/create.js';
import { DEFAULT_WORKTREE_OPTIONS } from '../../src/tasks/options.js';

afterAll(cleanupTemps);

const mkfifo = (file: string) => execFileSync('mkfifo', [file]);

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => new Error('it was accepted'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FactoryError);
  expect((e as FactoryError).exitCode).toBe(2);
  return (e as FactoryError).message;
}

/** What the CLI says: exit 2, one line, no stack; nothing changed in the repo (HEAD, status, branches). */
async function expectRefused(dir: string, args: string[], message: RegExp): Promise<string> {
  const before = [
    sh(dir, 'rev-parse', 'HEAD'),
    sh(dir, 'status', '--porcelain'),
    sh(dir, 'branch', '--list'),
  ];
  const r = await cli(dir, args);
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/Maximum call stack|Invalid string length|\n\s+at /);
  expect([
    sh(dir, 'rev-parse', 'HEAD'),
    sh(dir, 'status', '--porcelain'),
    sh(dir, 'branch', '--list'),
  ]).toEqual(before);
  expect(existsSync(path.join(dir, '.git/factory/tasks/1'))).toBe(false);
  return r.stderr;
}

const deepJson = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

describe('trust: config and task files are read only when they are sane files', () => {
  it('refuses a FIFO, a directory, a huge file and deep nesting, by name', async () => {
    const dir = await tempDir();
    const fifo = path.join(dir, 'fifo.json');
    mkfifo(fifo);
    const base = { env: {}, userConfigPath: path.join(dir, 'none.json') };
    expect(await refusal(loadConfig({ ...base, userConfigPath: fifo }))).toMatch(
      /fifo\.json: not a regular file \(a named pipe\)$/,
    );
    expect(await refusal(loadConfig({ ...base, userConfigPath: dir }))).toMatch(
      /not a regular file \(a directory\)/,
    );
    const big = path.join(dir, 'big.json');
    await writeFile(big, `{"check": "${'x'.repeat(2 * 1024 * 1024)}"}`);
    expect(await refusal(loadConfig({ ...base, userConfigPath: big }))).toMatch(
      /big\.json: larger than 1048576 bytes/,
    );
    const deep = path.join(dir, 'deep.json');
    await writeFile(deep, deepJson(100_000));
    expect(await refusal(loadConfig({ ...base, userConfigPath: deep }))).toMatch(
      /deep\.json: nested deeper than 32 levels/,
    );
    // Deep data from the environment too.
    const env = { FACTORY_SERVER_ENDPOINTS: `${'['.repeat(100_000)}${']'.repeat(100_000)}` };
    expect(await refusal(loadConfig({ ...base, env }))).toMatch(
      /env FACTORY_SERVER_ENDPOINTS: nested deeper/,
    );

    const taskFifo = path.join(dir, 'tasks.yaml');
    mkfifo(taskFifo);
    expect(await refusal(readTaskFile(taskFifo))).toMatch(/tasks\.yaml: not a regular file \(a named pipe\)/);
    const deepYaml = path.join(dir, 'deep.yaml');
    await writeFile(deepYaml, `description: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`);
    expect(await refusal(readTaskFile(deepYaml))).toMatch(
      /deep\.yaml: (invalid YAML .*nested too deeply|nested deeper)/,
    );
    const deepTask = path.join(dir, 'deep-task.json');
    await writeFile(deepTask, `{"description": "x", "check": ${deepJson(100_000)}}`);
    expect(await refusal(readTaskFile(deepTask))).toMatch(/deep-task\.json: nested deeper than 32 levels/);
  });

  it('through the CLI: a FIFO or a deeply nested .factoryrc.json, a FIFO task file: exit 2, no hang', async () => {
    const fifoRepo = await makeRepo();
    mkfifo(path.join(fifoRepo, '.factoryrc.json'));
    const deepRepo = await makeRepo();
    await writeFile(path.join(deepRepo, '.factoryrc.json'), deepJson(100_000));
    const taskRepo = await makeRepo();
    const tasks = await tempDir();
    mkfifo(path.join(tasks, 'task.yaml'));
    await Promise.all([
      expectRefused(fifoRepo, ['config'], /\.factoryrc\.json: not a regular file \(a named pipe\)/),
      expectRefused(
        deepRepo,
        ['task', 'x', '--no-server'],
        /\.factoryrc\.json: nested deeper than 32 levels/,
      ),
      expectRefused(
        taskRepo,
        ['task', '-t', path.join(tasks, 'task.yaml')],
        /task\.yaml: not a regular file/,
      ),
    ]);
  });
});

describe('trust: every number in the config has a sane range', () => {
  it('refuses values far out of range for every numeric field, naming the field and the range', async () => {
    const numeric = leaves().filter((l) => l.kind === 'number');
    expect(numeric.length).toBeGreaterThanOrEqual(11);
    for (const leaf of numeric) {
      for (const bad of [-1, 3_000_000_000_000]) {
        const message = await refusal(
          loadConfig({ env: {}, userConfigPath: '/nonexistent', flags: { [leaf.key]: bad } }),
        );
        expect(message).toMatch(
          new RegExp(
            `^flag --[\\w-]+: ${leaf.key.replace('.', '\\.')}: expected .* (from|above) -?[\\d.]+ (to|and up to) [\\d.]+, got ${bad}$`,
          ),
        );
      }
    }
    const endpoint = await refusal(
      loadConfig({
        env: {},
        userConfigPath: '/nonexistent',
        flags: { 'server.endpoints': [{ baseURL: 'http://h:1/v1', concurrency: 100_000 }] },
      }),
    );
    expect(endpoint).toMatch(
      /server\.endpoints\[0\]\.concurrency: expected an integer from 1 to 256, got 100000/,
    );
  });

  it('through the CLI: agent.llmTimeout 3000000 in .factoryrc.json, and --timeout too large, exit 2', async () => {
    const repo = await makeRepo({ '.factoryrc.json': JSON.stringify({ agent: { llmTimeout: 3_000_000 } }) });
    const flagRepo = await makeRepo();
    await Promise.all([
      expectRefused(
        repo,
        ['config'],
        /\.factoryrc\.json: agent\.llmTimeout: expected a number of seconds from 1 to 86400, got 3000000/,
      ),
      expectRefused(
        flagRepo,
        ['task', 'x', '--timeout', '99999999', '--no-server'],
        /flag --timeout: agent\.executionTimeout: expected a number of seconds from 1 to 86400, got 99999999/,
      ),
    ]);
  });
});

describe('trust: a ref from the user is checked before git sees it', () => {
  it('createTask refuses a base that reads as an option or names no commit, and takes a real one', async () => {
    const dir = await makeRepo();
    const repo = await openRepo(dir);
    const marker = path.join(await tempDir(), 'pwned');
    for (const [base, message] of [
      [`--upload-pack=touch ${marker}`, /^not a valid base ref: "--upload-pack=touch /],
      ['-b', /^not a valid base ref: "-b"$/],
      ['--orphan', /^not a valid base ref: "--orphan"$/],
      ['main\n-b', /^not a valid base ref: "main\\n-b"$/],
      ['no-such-branch', /^unknown base ref: no-such-branch$/],
    ] as const) {
      expect(await refusal(createTask(repo, DEFAULT_WORKTREE_OPTIONS, { title: 'x', base }))).toMatch(
        message,
      );
    }
    expect(existsSync(marker)).toBe(false);
    expect(sh(dir, 'branch', '--list', 'factory/*')).toBe('');
    sh(dir, 'branch', 'topic');
    const { record } = await createTask(repo, DEFAULT_WORKTREE_OPTIONS, {
      title: 'from topic',
      base: 'topic',
    });
    expect(record).toMatchObject({ baseName: 'topic', base: sh(dir, 'rev-parse', 'topic') });
  });

  it('through the CLI: a bad base in the second task of a task file creates no task at all', async () => {
    const repo = await makeRepo();
    const dir = await tempDir();
    const marker = path.join(dir, 'pwned');
    const file = path.join(dir, 'tasks.yaml');
    await writeFile(
      file,
      `tasks:\n  - description: fine\n  - description: x\n    base: "--upload-pack=touch ${marker}"\n`,
    );
    await expectRefused(
      repo,
      ['task', '-t', file, '--no-server'],
      /not a valid base ref: "--upload-pack=touch /,
    );
    expect(existsSync(marker)).toBe(false);
  });

  it('through the CLI: --base of task and new', async () => {
    const repo = await makeRepo();
    await Promise.all([
      expectRefused(repo, ['task', 'x', '--base=-b', '--no-server'], /not a valid base ref: "-b"/),
      expectRefused(repo, ['new', 'x', '--base=--orphan'], /not a valid base ref: "--orphan"/),
    ]);
  });
});

describe('trust: parse errors say where, in full', () => {
  it('gives a YAML error its line and column, with nothing dangling, and a task error its full path', async () => {
    const dir = await tempDir();
    const yaml = path.join(dir, 'bad.yaml');
    await writeFile(yaml, 'description: x\nconstraints: [a,\n');
    const message = await refusal(readTaskFile(yaml));
    expect(message).toMatch(/^.*bad\.yaml: invalid YAML at line \d+, column \d+: \S.*[^:]$/);
    expect(message).not.toContain('\n');

    const nested = path.join(dir, 'nested.yaml');
    await writeFile(nested, 'tasks:\n  - description: 5\n');
    expect(await refusal(readTaskFile(nested))).toBe(`${nested}: tasks[0].description: expected a string`);
    const second = path.join(dir, 'second.yaml');
    await writeFile(second, '- description: fine\n- description: x\n  max_attempts: 1000\n  colour: red\n');
    expect(await refusal(readTaskFile(second))).toBe(
      `${second}: [1].max_attempts: expected an integer from 1 to 100; ${second}: [1].colour: unknown field`,
    );
    const json = path.join(dir, 'bad.json');
    await writeFile(json, '{\n  "description": "x",\n}\n');
    expect(await refusal(readTaskFile(json))).toMatch(/bad\.json: invalid JSON at line 3, column 1/);
  });

  it('through the CLI: the YAML error is one line', async () => {
    const repo = await makeRepo();
    const dir = await tempDir();
    const yaml = path.join(dir, 'bad.yaml');
    await writeFile(yaml, 'description: x\nconstraints: [a,\n');
    const err = await expectRefused(
      repo,
      ['task', '-t', yaml],
      /bad\.yaml: invalid YAML at line \d+, column \d+: \S/,
    );
    expect(err).not.toMatch(/column \d+:\s*$/m);
  });
});
