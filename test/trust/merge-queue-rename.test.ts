/**
 * The merge queue's promise, end to end with real tasks: two tasks that each pass but fail
 * together (one renames a function, the other adds a call to the old name). The queue lands the
 * first, leaves the second out with the failing check's output, the base branch still passes;
 * `factory resume --rebase` then gives the Coder that output and fixes the second on the new
 * base. Real CLI, git and checks, the scripted server over HTTP.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { vi, afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanupTemps, sh } from '../helpers/git-repo.js';
import {
  cli,
  closeInProcess,
  e2eRepo,
  events,
  inProcessServer,
  killSpawned,
  lastUser,
  requestsOf,
  runJson,
  startInProcess,
} from '../e2e/support.js';

vi.setConfig({ testTimeout: 300_000 });
afterEach(killSpawned);
afterAll(async () => {
  await closeInProcess();
  await cleanupTemps();
});

const CHECK_SH = [
  'for f in calls/*.txt; do',
  '  while read -r n; do',
  '    grep -qx "def $n" defs.txt || { echo "$f calls $n, which is not defined"; exit 1; }',
  '  done < "$f"',
  'done',
  'echo "all calls defined"',
  '',
].join('\n');

const checkOnMain = (dir: string) => execFileSync('sh', ['check.sh'], { cwd: dir, encoding: 'utf8' }).trim();

describe('trust: the merge queue with two tasks that pass alone and fail together', () => {
  it('lands the first, leaves the second out with the check output; resume --rebase fixes it', async () => {
    const server = await startInProcess('mlx', 'merge-queue.json');
    const repo = await e2eRepo(
      { 'defs.txt': 'def load\n', 'calls/main.txt': 'load\n', 'check.sh': CHECK_SH },
      { server: inProcessServer(server), check: 'sh check.sh', agent: { maxAttempts: 2, tools: 'text' } },
    );
    for (const title of ['Rename load to read.', 'Call load from the pager.']) {
      const run = await runJson(repo.dir, ['task', title]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.outcomes[0]!.outcome).toBe('passed');
    }

    const queued = await cli(repo.dir, ['merge', '1', '2', '--json']);
    expect(queued.code, queued.stderr).toBe(1);
    const r = JSON.parse(queued.stdout);
    expect(r).toMatchObject({ into: 'refs/heads/main', from: repo.head, mode: 'squash', order: [1, 2] });
    expect(r.tasks[0]).toMatchObject({
      task: 1,
      fate: 'landed',
      commit: r.tip,
      files: ['calls/main.txt', 'defs.txt'],
    });
    expect(r.tasks[1]).toMatchObject({
      task: 2,
      fate: 'left-out',
      reason: 'check',
      command: 'sh check.sh',
      exitCode: 1,
    });
    expect(r.tasks[1].tail).toContain('calls/pager.txt calls load, which is not defined');
    // The base branch moved once, to the checked tip, and still passes.
    expect(sh(repo.dir, 'rev-parse', 'main')).toBe(r.tip);
    expect(sh(repo.dir, 'rev-parse', 'main^')).toBe(repo.head);
    expect(checkOnMain(repo.dir)).toBe('all calls defined');

    const text = await cli(repo.dir, ['list']);
    expect(text.stdout).toMatch(/1\s+merged/);

    const resumed = await runJson(repo.dir, ['resume', '2', '--rebase']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.outcomes[0]).toMatchObject({ id: 2, outcome: 'passed' });
    // The Coder was told why the queue left the task out.
    const prompt = lastUser(requestsOf(server, 'Coder').at(-1)!.body);
    expect(prompt).toContain('The merge queue left this task out');
    expect(prompt).toContain('calls/pager.txt calls load, which is not defined');
    expect(events(repo.dir, 2).find((e) => e.type === 'rebased')).toMatchObject({ onto: r.tip });

    const merged = await cli(repo.dir, ['merge', '2']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(sh(repo.dir, 'show', 'main:calls/pager.txt')).toBe('read');
    expect(checkOnMain(repo.dir)).toBe('all calls defined');
  });

  it('a plan parent merges its children in plan order and sends the one left out back by itself', async () => {
    const server = await startInProcess('mlx', 'merge-queue.json');
    const repo = await e2eRepo(
      { 'defs.txt': 'def load\n', 'calls/main.txt': 'load\n', 'check.sh': CHECK_SH },
      { server: inProcessServer(server), check: 'sh check.sh', agent: { maxAttempts: 2, tools: 'text' } },
    );
    // The children run as the planner runs them; the parent's record names them in plan order.
    const parent = await cli(repo.dir, ['new', 'Rename load to read everywhere', '--json']);
    expect(parent.code, parent.stderr).toBe(0);
    for (const title of ['Rename load to read.', 'Call load from the pager.']) {
      const run = await runJson(repo.dir, ['task', title]);
      expect(run.code, run.stderr).toBe(0);
    }
    const recFile = path.join(repo.dir, '.git/factory/tasks/1/task.json');
    const rec = JSON.parse(readFileSync(recFile, 'utf8'));
    writeFileSync(recFile, JSON.stringify({ ...rec, children: [2, 3] }));

    const merged = await cli(repo.dir, ['merge', '1', '--json']);
    expect(merged.code, merged.stderr).toBe(0);
    const r = JSON.parse(merged.stdout);
    expect(r.plan).toBe(1);
    expect(
      r.rounds.map((q: { tasks: { task: number; fate: string }[] }) => q.tasks.map((t) => [t.task, t.fate])),
    ).toEqual([
      [
        [2, 'landed'],
        [3, 'left-out'],
      ],
      [[3, 'landed']],
    ]);
    expect(r.rounds[0].ordering).toBe('plan');
    expect(r.resent).toEqual([{ task: 3, outcome: 'passed' }]);
    // The Coder of the resent child was told why it was left out.
    const prompt = lastUser(requestsOf(server, 'Coder').at(-1)!.body);
    expect(prompt).toContain('calls/pager.txt calls load, which is not defined');
    expect(sh(repo.dir, 'log', '--format=%s', '-3', 'main')).toBe(
      ['Call load from the pager. (factory task 3)', 'Rename load to read. (factory task 2)', 'initial'].join(
        '\n',
      ),
    );
    expect(checkOnMain(repo.dir)).toBe('all calls defined');
  });
});
