/**
 * What the CLI prints as plain text, from a real run: a scripted model (started by `factory task`
 * as its model server) whose replies and whose check output carry a screen clear, an OSC 0 title
 * and an OSC 52 clipboard write, and a task title with escape sequences in it. Every command shows
 * those characters (␛, ␇) instead of passing them to the terminal. The same run holds the wording
 * fixes: "1 idle minute", one status vocabulary for `task` and `list`, the status `log` opens
 * with, and progress snippets that are not cut at the end of their first line.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { cleanupTemps, makeRepo, tempDir } from '../helpers/git-repo.js';
import { freePort, scriptedCommand } from '../helpers/server-env.js';
import { ensureBuilt, killBuilt, RAW_CONTROL, runBuilt, spawnBuilt } from '../helpers/built-cli.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { closeInProcess, events, inProcessServer, startInProcess, waitFor } from '../e2e/support.js';
import type { CliResult } from '../helpers/git-repo.js';

const TITLE = 'Fix \x1b]0;title\x07 the answer';

let dir = '';
let env: NodeJS.ProcessEnv = {};
let run: CliResult;

beforeAll(async () => {
  await ensureBuilt();
  const port = await freePort();
  const config = {
    server: {
      baseURL: `http://127.0.0.1:${port}/v1`,
      model: 'scripted-model',
      command: scriptedCommand([], 'trust-cli-hostile.json'),
      idleShutdown: 1,
    },
    agent: { maxAttempts: 3, totalTokenBudget: 1000, tools: 'text' },
    check: 'cat answer.txt; exit 1',
  };
  dir = await makeRepo({ 'answer.txt': '0\n', '.factoryrc.json': JSON.stringify(config) });
  env = { FACTORY_STATE_DIR: path.join(await tempDir('factory-state-'), 'state') };
  run = await runBuilt(dir, ['task', TITLE], env, 240_000);
}, 600_000);

afterEach(killBuilt);
afterAll(async () => {
  if (dir) await runBuilt(dir, ['server', 'stop', '--grace', '1'], env);
  await closeInProcess();
  await cleanupTemps();
}, 120_000);

/** Nothing a terminal would obey, and the hostile text is there, made visible. */
function expectShown(out: string, ...shown: string[]) {
  expect(out).not.toMatch(RAW_CONTROL);
  for (const s of shown) expect(out).toContain(s);
}

describe('trust: text from a model, a check or a title is printed with its control characters visible', () => {
  it('progress lines and the task summary', () => {
    expect(run.code, run.stderr).toBe(1);
    expectShown(run.stderr, 'The check output is: ␛]0;pwned␇ 41, not 42');
    expectShown(run.stdout, 'Fix ␛]0;title␇ the answer');
  });

  it('list, show, review (as text) and diff', async () => {
    const list = await runBuilt(dir, ['list'], env);
    expectShown(list.stdout, 'Fix ␛]0;title␇ the answer');
    const show = await runBuilt(dir, ['show', '1'], env);
    expectShown(show.stdout, 'task 1: Fix ␛]0;title␇ the answer');
    const review = await runBuilt(dir, ['review'], env);
    expectShown(review.stdout, '␛]0;title␇');
    const diff = await runBuilt(dir, ['diff', '1'], env);
    expectShown(diff.stdout, '+␛]52;c;ZXZpbA==␇ 41');
  });

  it('log: replies, check output and verdicts', async () => {
    const log = await runBuilt(dir, ['log', '1'], env);
    expect(log.code, log.stderr).toBe(0);
    expectShown(log.stdout, 'Writing it.␛[2J␛[H', '| ␛]52;c;ZXZpbA==␇ 41', 'fix: Write 42.␛[2J');
  });

  it('errors that quote what they were given', async () => {
    const r = await runBuilt(dir, ['show', '1\x1b[2J'], env);
    expect(r.code).toBe(2);
    expectShown(r.stderr, 'not a task address: 1␛[2J');
  });
});

describe('trust: wording', () => {
  it('"1 idle minute", not "1 idle minutes"', () => {
    expect(run.stderr).toContain('it stops after 1 idle minute\n');
  });

  it('task and list use one status word: a task stopped by its token budget is failed in both', async () => {
    const row = run.stdout.split('\n').find((l) => /^1\s/.test(l));
    expect(row).toMatch(/^1\s+failed\s+1\s/);
    expect(run.stdout).toMatch(/^ID\s+STATUS\s+ATTEMPTS/m);
    const list = await runBuilt(dir, ['list'], env);
    expect(list.stdout).toMatch(/^1\s+failed\s+1\s/m);
  });

  it('log opens with the status the task has now, not "status: running"', async () => {
    const log = (await runBuilt(dir, ['log', '1'], env)).stdout.split('\n');
    expect(log[1]).toBe('status: failed (token budget of 1000 used up (36000))');
    expect(log).not.toContain('status: running');
    expect(log).toContain('run started');
    expect(log).toContain('run ended: failed (token budget of 1000 used up (36000))');
  });

  it('a progress line carries the snippet after "…is:"', () => {
    const line = run.stderr.split('\n').find((l) => l.includes('FAIL (sheriff FAIL)'));
    expect(line).toBe('[task 1] attempt 1: FAIL (sheriff FAIL): The check output is: ␛]0;pwned␇ 41, not 42');
  });

  it('merge counts files: "1 file"', async () => {
    const repo = await makeRepo({ 'a.txt': 'a\n' });
    await taskWithAttempts(repo, 'one file', [{ files: { 'a.txt': 'b\n' }, exit: 0 }]);
    const r = await runBuilt(repo, ['merge', '1'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\(squash, 1 file\)\n$/);
  });

  it('a check stopped by Ctrl-C is "check stopped (cancelled)", not "check not run"', async () => {
    const server = await startInProcess('mlx', 'e2e-cancel.json');
    const repo = await makeRepo({
      'answer.txt': '0\n',
      '.factoryrc.json': JSON.stringify({
        server: inProcessServer(server),
        agent: { maxAttempts: 1, tools: 'text' },
        check: 'sleep 120',
      }),
    });
    const cli = spawnBuilt(repo, ['task', 'Put the right answer in answer.txt'], env);
    await waitFor('the check to start', 120_000, () =>
      events(repo, 1).some((e) => e.type === 'phase' && e.phase === 'check'),
    );
    cli.child.kill('SIGINT');
    const done = await cli.done;
    expect(done.code, done.stderr).toBe(1);
    const show = await runBuilt(repo, ['show', '1'], env);
    expect(show.stdout).toContain('attempt 1.1: cancelled  check stopped (cancelled)');
    expect(show.stdout).not.toContain('check not run');
  }, 240_000);
});
