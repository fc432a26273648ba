/**
 * Ctrl-C: SIGINT to the CLI while the check runs a slow command, or while the model stalls
 * mid-answer. The CLI exits promptly, the attempt is committed as cancelled, nothing of the
 * check is left running, and `factory resume --feedback` carries on to a pass with the user's
 * hint in the Coder's prompt.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';
import { aliveSince, readPids, recordPid } from '../helpers/live-group.js';
import {
  autoServer,
  cli,
  closeInProcess,
  commitShape,
  e2eRepo,
  events,
  expectMainUntouched,
  exitWithin,
  expectOwnWorktree,
  fileOnBranch,
  inProcessServer,
  killSpawned,
  requestsOf,
  runJson,
  spawnCli,
  startInProcess,
  stopAutoServer,
  waitFor,
  worktreeOf,
  type TaskOutcomeJson,
} from './support.js';

const SCRIPT = 'e2e-cancel.json';

/** Slow while mode.txt says so; records the pids (and start times) of its shell and its sleep. */
const CHECK = [
  recordPid('$$'),
  'if grep -qx slow mode.txt; then',
  '  sleep 30 &',
  `  ${recordPid('$!')}`,
  '  wait',
  'fi',
  'v=$(cat answer.txt)',
  'test "$v" = 42 || { echo "FAIL: got $v, want 42"; exit 1; }',
  'echo "the answer is right"',
  '',
].join('\n');

/** Processes whose working directory is inside `dir` (Linux /proc; empty elsewhere). */
function processesIn(dir: string): number[] {
  if (!existsSync('/proc/self/cwd')) return [];
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`)) found.push(Number(name));
    } catch {
      // gone, or not ours to look at
    }
  }
  return found;
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  killSpawned();
  const results = [];
  for (const stop of stops.splice(0))
    results.push(
      await stop().then(
        () => null,
        (e: unknown) => e,
      ),
    );
  const failed = results.find((e) => e !== null);
  if (failed) throw failed;
});
afterAll(async () => {
  await closeInProcess();
  await cleanupTemps();
});

describe('Ctrl-C', () => {
  it('cancels while the check runs, leaves no check process, and resume --feedback passes (llamacpp, auto-started)', async () => {
    const { server, env } = await autoServer('llamacpp', SCRIPT);
    const pidsFile = path.join(await tempDir('factory-e2e-pids-'), 'pids');
    const runEnv = { ...env, E2E_PIDS: pidsFile };
    const pids = () => readPids(pidsFile);
    const repo = await e2eRepo(
      { 'answer.txt': '40\n', 'mode.txt': 'slow\n', 'check.sh': CHECK },
      // The check reports host pids through a file in /tmp: unsandboxed, so this tests the
      // executor's own tracking (the sandboxed kill is in test/trust/sandbox-kill.test.ts).
      { server, check: 'sh check.sh', sandbox: 'none', agent: { maxAttempts: 3, tools: 'text' } },
    );
    // Should the test fail half-way, no check may outlive it; the server stops in any case.
    stops.push(async () => {
      // Only processes the check started: a pid it recorded may be another process's by now.
      for (const p of pids()) if (aliveSince(p.pid, p.start)) process.kill(p.pid, 'SIGKILL');
    });
    stops.push(() => stopAutoServer(repo.dir, env));

    const task = spawnCli(repo.dir, ['task', 'Put the right answer in answer.txt.', '--json'], runEnv);
    try {
      // The check is running once its shell and its sleep have written their pids.
      await waitFor('the check to start its sleep', 30_000, () => pids().length >= 2);
      // The event log is written in order but a moment after the fact.
      await waitFor(
        'the check phase in the event log',
        10_000,
        () =>
          events(repo.dir, 1)
            .filter((e) => e.type === 'phase')
            .at(-1)?.phase === 'check',
      );
    } finally {
      task.child.kill('SIGINT');
    }
    // Promptly: the check would have slept 30 s; git, the attempt commit and the summary take the
    // rest, seconds at most even on a loaded machine.
    const r = await exitWithin(task, 25_000);
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(1);
    const [cancelled] = JSON.parse(r.stdout) as TaskOutcomeJson[];
    expect(cancelled).toMatchObject({
      id: 1,
      outcome: 'cancelled',
      attempts: 1,
      reason: 'cancelled by the user',
      branch: 'factory/1-put-the-right-answer-in-answer-txt',
    });
    const { branch } = cancelled!;

    // Nothing of the check survives: not its shell, not its sleep, nothing in the worktree.
    const checkPids = pids();
    expect(checkPids).toHaveLength(2);
    await waitFor('the check processes to be gone', 3_000, () =>
      checkPids.every((p) => !aliveSince(p.pid, p.start)),
    );
    expect(processesIn(worktreeOf(repo.dir, 1))).toEqual([]);

    expect(commitShape(repo.dir, branch)).toEqual([
      'step 1.1.1 write_file',
      'attempt 1.1 exit=none verdict=NONE cancelled',
    ]);
    expect(
      events(repo.dir, 1)
        .filter((e) => e.type === 'status')
        .at(-1),
    ).toMatchObject({
      status: 'cancelled',
      outcome: 'cancelled',
    });

    const feedback = 'The check hangs while mode.txt says slow: write fast into mode.txt.';
    const resumed = await runJson(repo.dir, ['resume', '1', '--feedback', feedback], runEnv);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.outcomes).toEqual([expect.objectContaining({ id: 1, outcome: 'passed', branch })]);
    // Product bug: the summary counts this run's attempts (1), not the task's (2), as `factory list`,
    // the attempt numbers and the `factory rollback <id>.1` hint do.
    expect(resumed.outcomes[0]!.attempts, "the summary's attempts after a resume").toBe(2);
    expect(commitShape(repo.dir, branch)).toEqual([
      'step 1.1.1 write_file',
      'attempt 1.1 exit=none verdict=NONE cancelled',
      'step 1.2.1 write_file',
      'attempt 1.2 exit=0 verdict=PASS passed',
    ]);
    expect(fileOnBranch(repo.dir, branch, 'mode.txt')).toBe('fast');
    expect(fileOnBranch(repo.dir, branch, 'answer.txt')).toBe('42');

    // The feedback reached the Coder's next turn: the transcript shows it in attempt 2's prompt.
    const log = await cli(repo.dir, ['log', '1'], env);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toContain(`feedback from you:\n  ${feedback}`);
    const prompt2 = log.stdout.slice(log.stdout.indexOf('[2] prompt to the coder:'));
    expect(prompt2).toContain(`  # Feedback from the user\n  ${feedback}`);
    // Product bug: each attempt is logged twice (the runner and the workspace both append it).
    expect
      .soft(log.stdout.match(/^\[\d\] attempt recorded as .*$/gm))
      .toEqual([
        expect.stringMatching(/^\[1\] attempt recorded as cancelled /),
        expect.stringMatching(/^\[2\] attempt recorded as passed /),
      ]);

    expectOwnWorktree(repo.dir, 1, branch);
    expectMainUntouched(repo.dir, repo.head);
  });

  it('cancels while the model stalls mid-answer: the request is aborted and the attempt recorded (mlx)', async () => {
    const server = await startInProcess('mlx', SCRIPT);
    const repo = await e2eRepo(
      { 'answer.txt': '40\n', 'mode.txt': 'fast\n', 'check.sh': CHECK },
      { server: inProcessServer(server), check: 'sh check.sh', agent: { maxAttempts: 3, tools: 'text' } },
    );
    const task = spawnCli(repo.dir, ['task', 'Stall forever, then answer.', '--json']);
    try {
      await waitFor('the Coder request to stream', 30_000, () => requestsOf(server, 'Coder')[0]?.startedAt);
    } finally {
      task.child.kill('SIGINT');
    }
    // The stall never ends by itself: an exit at all means the request was aborted.
    const r = await exitWithin(task, 25_000);
    expect(r.code, r.stderr).toBe(1);
    const [o] = JSON.parse(r.stdout) as TaskOutcomeJson[];
    expect(o).toMatchObject({
      id: 1,
      outcome: 'cancelled',
      attempts: 1,
      branch: 'factory/1-stall-forever-then-answer',
    });
    await waitFor(
      'the server to see the client go',
      3_000,
      () => requestsOf(server, 'Coder')[0]!.clientClosed,
    );
    expect(requestsOf(server, 'Sheriff')).toEqual([]);
    expect(commitShape(repo.dir, o!.branch)).toEqual(['attempt 1.1 exit=none verdict=NONE cancelled']);
    expect(events(repo.dir, 1).some((e) => e.type === 'check')).toBe(false);
    expectOwnWorktree(repo.dir, 1, o!.branch);
    expectMainUntouched(repo.dir, repo.head);
  });
});
