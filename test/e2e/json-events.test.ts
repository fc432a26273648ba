/**
 * `factory task --json --events` and `factory resume --json --events`: the run as NDJSON on stdout,
 * one event per line while it happens, the summary last. The check waits for a gate file the test
 * writes only after it has read the events up to the check from the running process, so "as it
 * happens" is a condition the test sees, not a timing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemps } from '../helpers/git-repo.js';
import {
  closeInProcess,
  e2eRepo,
  exitWithin,
  inProcessServer,
  killSpawned,
  spawnCli,
  startInProcess,
  waitFor,
  worktreeOf,
} from './support.js';

afterAll(async () => {
  killSpawned();
  await closeInProcess();
  await cleanupTemps();
});

const CHECK = [
  // Held until the test has seen the stream reach the check.
  'while [ ! -f gate ]; do sleep 0.05; done',
  'rm -f gate',
  'grep -qx alpha alpha.txt || { echo "alpha.txt says $(cat alpha.txt)"; exit 1; }',
  'echo "alpha.txt is right"',
  '',
].join('\n');

type Line = { t: string; type: string } & Record<string, unknown>;

const parse = (stdout: string): Line[] =>
  stdout
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l) as Line);

/**
 * Runs the CLI, waits until its stdout has shown the check starting while the process still runs,
 * opens the gate, and returns every line it printed.
 */
async function followRun(dir: string, args: string[], task: number) {
  const run = spawnCli(dir, args);
  let out = '';
  run.child.stdout!.on('data', (b) => (out += b));
  await waitFor('the check phase in the event stream', 40_000, () =>
    parse(out).some((e) => e.type === 'phase' && e.phase === 'check'),
  );
  // The process is still running (held by the check): the events came while it ran.
  expect(run.child.exitCode).toBe(null);
  const early = parse(out).map((e) => e.type);
  writeFileSync(path.join(worktreeOf(dir, task), 'gate'), '');
  const r = await exitWithin(run, 40_000);
  return { ...r, early, lines: parse(r.stdout) };
}

describe('factory task --json --events', () => {
  it('streams the run as NDJSON while it happens, summary last; resume does the same', async () => {
    const server = await startInProcess('openai', 'e2e-events.json');
    const repo = await e2eRepo(
      { 'check.sh': CHECK },
      { server: inProcessServer(server), check: 'sh check.sh', agent: { maxAttempts: 1, tools: 'native' } },
    );

    const first = await followRun(repo.dir, ['task', 'Create alpha.txt', '--json', '--events'], 1);
    expect(first.code, first.stderr).toBe(1);
    expect(first.early.slice(0, 3)).toEqual(['created', 'started', 'attempt-started']);
    expect(first.early).toContain('reply');
    expect(first.early).toContain('edit');
    expect(first.early).not.toContain('finished');

    const types = first.lines.map((e) => e.type);
    for (const e of first.lines) {
      expect(Date.parse(e.t), JSON.stringify(e)).not.toBeNaN();
      if (e.type !== 'notice' && e.type !== 'summary') expect(e.task, JSON.stringify(e)).toBe(1);
    }
    // The order things happened in, and no prompts (they repeat the system prompt every turn).
    const order = ['created', 'started', 'attempt-started', 'reply', 'edit', 'check', 'verdict', 'attempt'];
    const at = order.map((t) => types.indexOf(t));
    expect(
      at.every((i) => i >= 0),
      types.join(' '),
    ).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(types).not.toContain('prompt');
    expect(types.slice(-2)).toEqual(['finished', 'summary']);

    const byType = (t: string) => first.lines.filter((e) => e.type === t);
    expect(byType('created')[0]).toMatchObject({
      title: 'Create alpha.txt',
      branch: 'factory/1-create-alpha-txt',
    });
    expect(byType('reply')[0]).toMatchObject({
      role: 'coder',
      attempt: 1,
      toolCalls: [{ name: 'write_file', path: 'alpha.txt' }],
      tokens: { prompt: expect.any(Number), completion: expect.any(Number) },
    });
    expect(byType('reply')[1]).toMatchObject({ role: 'coder', summary: 'The file is written.' });
    expect(byType('edit')[0]).toMatchObject({ tool: 'write_file', paths: ['alpha.txt'], ok: true, step: 1 });
    expect(byType('edit')[0]!.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(byType('check')[0]).toMatchObject({
      command: 'sh check.sh',
      exitCode: 1,
      timedOut: false,
      outputTail: 'alpha.txt says wrong\n',
    });
    expect(byType('verdict')[0]).toMatchObject({ verdict: 'FAIL', passed: false, fix: 'Write alpha.' });
    expect(byType('attempt')[0]).toMatchObject({ attempt: 1, outcome: 'failed' });
    expect(byType('finished')[0]).toMatchObject({ outcome: 'failed', status: 'failed', attempts: 1 });
    const summary = first.lines.at(-1)!;
    expect(summary).toMatchObject({ type: 'summary', exitCode: 1 });
    expect(summary.tasks).toEqual([
      expect.objectContaining({ id: 1, outcome: 'failed', branch: 'factory/1-create-alpha-txt' }),
    ]);

    // resume shares the runner: the same stream, for the task resumed (no `created`).
    const again = await followRun(
      repo.dir,
      ['resume', '1', '--feedback', 'Use the word alpha', '-n', '1', '--json', '--events'],
      1,
    );
    expect(again.code, again.stderr).toBe(0);
    const types2 = again.lines.map((e) => e.type);
    expect(types2[0]).toBe('started');
    expect(types2).not.toContain('created');
    expect(again.lines.find((e) => e.type === 'verdict')).toMatchObject({ verdict: 'PASS', passed: true });
    expect(again.lines.find((e) => e.type === 'attempt')).toMatchObject({ attempt: 2, outcome: 'passed' });
    expect(again.lines.at(-1)).toMatchObject({
      type: 'summary',
      exitCode: 0,
      tasks: [expect.objectContaining({ id: 1, outcome: 'passed', attempts: 2 })],
    });
  });

  it('finishes the run when the reader leaves early (| head -1), writing nothing more', async () => {
    const server = await startInProcess('openai', 'e2e-events.json');
    const repo = await e2eRepo(
      { 'check.sh': CHECK },
      { server: inProcessServer(server), check: 'sh check.sh', agent: { maxAttempts: 1, tools: 'native' } },
    );
    const run = spawnCli(repo.dir, ['task', 'Create alpha.txt', '--json', '--events']);
    let out = '';
    run.child.stdout!.on('data', (b) => (out += b));
    await waitFor('the started event', 40_000, () => parse(out).some((e) => e.type === 'started'));
    // The reader goes away: every later write by factory meets a closed pipe (EPIPE).
    run.child.stdout!.destroy();
    writeFileSync(path.join(worktreeOf(repo.dir, 1), 'gate'), '');
    const r = await exitWithin(run, 40_000);
    expect(r.stderr).not.toMatch(/EPIPE|unexpected error/);
    expect(r.code, r.stderr).toBe(1);
    const listed = await exitWithin(spawnCli(repo.dir, ['list', '--json']), 30_000);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: 1, status: 'failed' })]);
  });

  it('refuses --events without --json (exit 2), before anything is created', async () => {
    const repo = await e2eRepo({}, { server: { command: null }, check: 'true' });
    const run = await exitWithin(spawnCli(repo.dir, ['task', 'Create alpha.txt', '--events']), 30_000);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('factory: --events needs --json');
    const listed = await exitWithin(spawnCli(repo.dir, ['list', '--json']), 30_000);
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });

  it('ends the stream with the error as one JSON line when the run cannot start', async () => {
    const repo = await e2eRepo(
      {},
      { server: { baseURL: 'http://127.0.0.1:9/v1', command: null }, check: 'true' },
    );
    const run = await exitWithin(
      spawnCli(repo.dir, ['task', 'Create alpha.txt', '--json', '--events']),
      30_000,
    );
    expect(run.code).toBe(3);
    const lines = parse(run.stdout);
    expect(lines.at(-1)).toEqual({
      error: {
        message: 'no inference server answers at http://127.0.0.1:9/v1',
        hint: expect.stringContaining('factory server start'),
        exitCode: 3,
      },
    });
    expect(run.stderr).toContain('factory: no inference server answers at http://127.0.0.1:9/v1');
  });
});
