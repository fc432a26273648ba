/**
 * A check left running by a kill -9 of factory must not go on writing into the worktree while
 * `resume` runs: resume stops the process group the run lock recorded before attempt 2 starts,
 * and what the dead attempt left is recorded as that attempt (outcome `interrupted`), not as
 * attempt 2's work. Real CLI, real check processes, the scripted server over HTTP; no sandbox.
 */
import { vi, afterAll, afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemps, sh, tempDir } from '../helpers/git-repo.js';
import { aliveSince, readPids, recordPid } from '../helpers/live-group.js';
import { readProc } from '../../src/agent/exec-procs.js';
import {
  closeInProcess,
  commitShape,
  e2eRepo,
  events,
  exitWithin,
  inProcessServer,
  killSpawned,
  runJson,
  spawnCli,
  startInProcess,
  waitFor,
  worktreeOf,
} from '../e2e/support.js';

/**
 * While mode.txt says slow, the check never ends and appends to leak.txt forever. Otherwise it
 * fails if the first check's shell is still running, and passes when the answer is right.
 */
const CHECK = [
  // The pid with its start time: a pid freed by the kill may be another process's by now.
  recordPid('$$'),
  'if grep -qx slow mode.txt; then',
  '  while :; do echo tick >> leak.txt; sleep 0.02; done',
  'fi',
  'set -- $(head -n 1 "$E2E_PIDS")',
  'if [ -r /proc/$1/stat ] && [ "$(cut -d" " -f3 /proc/$1/stat)" != Z ] && [ "$(cut -d" " -f22 /proc/$1/stat)" = "$2" ]; then',
  '  echo "the first check is still running"; exit 1',
  'fi',
  'test "$(cat answer.txt)" = 42 || { echo "wrong answer"; exit 1; }',
  'echo "the answer is right"',
  '',
].join('\n');

const pidsToKill: number[] = [];
afterEach(() => {
  killSpawned();
  for (const pid of pidsToKill.splice(0))
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
});
// CLI runs take seconds each on a loaded machine.
vi.setConfig({ testTimeout: 240_000 });

afterAll(async () => {
  await closeInProcess();
  await cleanupTemps();
});

describe('trust: resume after a kill -9 stops the check the dead run left', () => {
  it('kills the leftover check group before attempt 2, and nothing it wrote lands in attempt 2', async () => {
    const server = await startInProcess('mlx', 'e2e-cancel.json');
    const pidsFile = path.join(await tempDir('factory-trust-pids-'), 'pids');
    const env = { E2E_PIDS: pidsFile };
    const pids = () => readPids(pidsFile).map((p) => p.pid);
    const repo = await e2eRepo(
      { 'answer.txt': '40\n', 'mode.txt': 'slow\n', 'check.sh': CHECK },
      {
        server: inProcessServer(server),
        check: 'sh check.sh',
        // bwrap's PID namespace would end the check with factory; this test is about recovery without it.
        sandbox: 'none',
        agent: { maxAttempts: 2, tools: 'text', executionTimeout: 600 },
      },
    );
    const wt = worktreeOf(repo.dir, 1);
    const leak = path.join(wt, 'leak.txt');

    const task = spawnCli(repo.dir, ['task', 'Put the right answer in answer.txt.', '--json'], env);
    await waitFor(
      'the check to write into the worktree',
      30_000,
      () => pids().length >= 1 && existsSync(leak),
    );
    const { pid: checkShell, start: checkStart } = readPids(pidsFile)[0]!;
    // `sh check.sh` runs under factory's `sh -c`, which leads the check's process group.
    const pgid = readProc(checkShell)!.pgid;
    pidsToKill.push(pgid);
    task.child.kill('SIGKILL');
    const killed = await exitWithin(task, 10_000);
    expect(killed.signal).toBe('SIGKILL');

    // The bug's premise: factory is dead, its check is not, and it keeps writing.
    expect(aliveSince(checkShell, checkStart)).toBe(true);
    const size = readFileSync(leak, 'utf8').length;
    await waitFor('the orphaned check to write more', 10_000, () => readFileSync(leak, 'utf8').length > size);

    const feedback = 'The check hangs while mode.txt says slow: write fast into mode.txt.';
    const resumed = await runJson(repo.dir, ['resume', '1', '--feedback', feedback], env);
    expect(resumed.code, `${resumed.stdout}\n${resumed.stderr}`).toBe(0);
    expect(resumed.outcomes[0]).toMatchObject({ id: 1, outcome: 'passed', attempts: 2 });

    // The leftover group is gone, and was stopped before attempt 2 began.
    expect(aliveSince(checkShell, checkStart)).toBe(false);
    const log = events(repo.dir, 1);
    const recovered = log.findIndex((e) => e.type === 'recovered');
    const attempt2 = log.findIndex((e) => e.type === 'phase' && e.attempt === 2);
    expect(recovered, 'a recovered event').toBeGreaterThanOrEqual(0);
    expect(log[recovered]!.groups).toEqual([pgid]);
    expect(recovered).toBeLessThan(attempt2);

    // The dead attempt is closed with what it left; attempt 2 changed mode.txt and nothing else.
    const branch = resumed.outcomes[0]!.branch;
    expect(commitShape(repo.dir, branch)).toEqual([
      'step 1.1.1 write_file',
      'attempt 1.1 exit=none verdict=NONE interrupted',
      'step 1.2.1 write_file',
      'attempt 1.2 exit=0 verdict=PASS passed',
    ]);
    expect(
      sh(repo.dir, 'diff', '--name-only', 'refs/factory/1/attempts/1', 'refs/factory/1/attempts/2'),
    ).toBe('mode.txt');
    expect(sh(repo.dir, 'show', 'refs/factory/1/attempts/1:leak.txt')).toMatch(/^tick\n/);
    // Nothing was written into the worktree after the dead attempt was recorded.
    expect(readFileSync(leak, 'utf8')).toBe(
      `${sh(repo.dir, 'show', 'refs/factory/1/attempts/1:leak.txt')}\n`,
    );
    expect(sh(wt, 'status', '--porcelain')).toBe('');
  });
});
