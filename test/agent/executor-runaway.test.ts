import { afterAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCheck, type RunCheckOptions, type RunCheckResult } from '../../src/agent/executor.js';
import { tempFolder, type TempFolder } from '../helpers/tmp.js';

/**
 * The runaway suite of issue 4: commands that print without end, ignore SIGTERM, never end, or
 * leave their session, must all come back within the timeout plus 2 seconds and leave nothing
 * running.
 *
 * `timeout + 2000` is the only timing bound asserted, and the one the issue asks for. The expected
 * worst case is the timeout plus the 1 s SIGTERM grace plus a few /proc reads; the rest is slack
 * for a loaded machine (the test pool runs files in parallel on two cores).
 */

const TIMEOUT = 1500;
const BOUND = TIMEOUT + 2000;
const measured: string[] = [];
const dirs: TempFolder[] = [];

afterAll(async () => {
  console.log(`runaway suite (timeout ${TIMEOUT} ms, bound ${BOUND} ms):\n  ${measured.join('\n  ')}`);
  await Promise.all(dirs.map((d) => d.remove()));
});

async function tempDir(): Promise<string> {
  const dir = await tempFolder('factory-runaway');
  dirs.push(dir);
  return dir.path;
}

async function timed(
  label: string,
  command: string,
  extra: Partial<RunCheckOptions> = {},
): Promise<{ r: RunCheckResult; elapsed: number; cwd: string }> {
  const cwd = extra.cwd ?? (await tempDir());
  const t0 = performance.now();
  const r = await runCheck(command, { cwd, timeoutMs: TIMEOUT, ...extra });
  const elapsed = Math.round(performance.now() - t0);
  measured.push(`${label}: ${elapsed} ms (exit ${r.exitCode}, signal ${r.signal}, ${r.totalBytes} bytes)`);
  return { r, elapsed, cwd };
}

/**
 * Live processes in a group or session. Zombies don't count: they are dead, and this sandbox's
 * init does not reap the orphans it inherits, so `kill(-pgid, 0)` alone may keep seeing them.
 */
function liveIn(id: number): number[] {
  const live: number[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue;
    }
    const [state, , pgid, sid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state !== 'Z' && (Number(pgid) === id || Number(sid) === id)) live.push(Number(name));
  }
  return live;
}

function expectGone(id: number | undefined): void {
  expect(id).toBeTypeOf('number');
  try {
    process.kill(-id!, 0);
  } catch (e) {
    expect((e as NodeJS.ErrnoException).code).toBe('ESRCH');
    return;
  }
  expect(liveIn(id!)).toEqual([]);
}

const pidFrom = async (file: string) => Number((await readFile(file, 'utf8')).trim());

describe('runaway checks', () => {
  it('a command printing 1 GB keeps the orchestrator memory bounded', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const { r, elapsed } = await timed('1 GB of output', 'yes | head -c 1000000000', { timeoutMs: 2000 });
    clearInterval(sampler);
    const growthMb = Math.round((peak - before) / 1e6);
    measured.push(`  peak RSS growth during the 1 GB run: ${growthMb} MB`);

    expect(elapsed).toBeLessThan(2000 + 2000);
    expect(growthMb).toBeLessThan(100);
    // It may finish (about 1.3 s on an idle machine) or be cut by the timeout: both must hold.
    if (!r.timedOut) expect(r).toMatchObject({ exitCode: 0, totalBytes: 1_000_000_000 });
    expect(r.totalBytes).toBeGreaterThan(10_000_000);
    expect(r.head.length + r.tail.length).toBe(128 * 1024);
    expect(r.truncatedBytes).toBe(r.totalBytes - 128 * 1024);
    expect(r.output).toContain(`[factory: ${r.truncatedBytes} bytes cut]`);
    expectGone(r.pid);
  });

  it('children and a grandchild that ignore SIGTERM and hold the pipes are killed', async () => {
    const { r, elapsed } = await timed(
      'SIGTERM ignored by shell, child and grandchild',
      `trap '' TERM
       sh -c 'sleep 1000 & sleep 1000' &
       sleep 1000 &
       echo started
       wait`,
    );
    expect(elapsed).toBeLessThan(BOUND);
    expect(r).toMatchObject({ timedOut: true, cancelled: false, exitCode: null, signal: 'SIGKILL' });
    expect(r.output).toBe('started\n');
    expectGone(r.pid);
  });

  it('a command that never ends is stopped at the timeout', async () => {
    const { r, elapsed } = await timed('sleep 1000', 'sleep 1000');
    expect(elapsed).toBeLessThan(BOUND);
    expect(r).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGTERM' });
    expectGone(r.pid);
  });

  it('a grandchild in its own session holding the pipe is found and killed', async () => {
    const cwd = await tempDir();
    // The subshell exits at once, so the escaped process is an orphan of init in its own session and
    // group: no group kill, session or parent link reaches it, only the pipe it holds.
    const { r, elapsed } = await timed(
      'setsid grandchild holding the pipe',
      `(setsid sh -c 'trap "" TERM; echo $$ > escaped.pid; cat /proc/$$/stat > escaped.stat; exec sleep 1000' &)
       sleep 1000`,
      { cwd },
    );
    expect(elapsed).toBeLessThan(BOUND);
    expect(r.timedOut).toBe(true);
    const escaped = await pidFrom(path.join(cwd, 'escaped.pid'));
    const stat = (await readFile(path.join(cwd, 'escaped.stat'), 'utf8')).split(') ')[1]!.split(' ');
    expect(Number(stat[3])).toBe(escaped); // it led its own session
    expect(escaped).not.toBe(r.pid);
    expectGone(escaped);
    expectGone(r.pid);
  });

  it('background jobs left behind by a command that exited are killed, not waited for', async () => {
    const { r, elapsed } = await timed(
      'background job holding the pipe after exit',
      'sleep 1000 & echo done',
      {
        timeoutMs: 10_000,
      },
    );
    expect(elapsed).toBeLessThan(2000);
    expect(r).toMatchObject({ exitCode: 0, timedOut: false, output: 'done\n', stragglers: 1 });
    expectGone(r.pid);
  });

  it('a setsid daemon seen while its parent lived is killed after the parent exits', async () => {
    const cwd = await tempDir();
    // Output redirected, so no pipe leads to it: it is found because it was observed as a child.
    const { r, elapsed } = await timed(
      'setsid daemon, output redirected, parent exited',
      `setsid sh -c 'echo $$ > daemon.pid; exec sleep 1000' >/dev/null 2>&1 &
       sleep 0.8; echo done`,
      { cwd, timeoutMs: 10_000 },
    );
    expect(elapsed).toBeLessThan(3000);
    expect(r).toMatchObject({ exitCode: 0, output: 'done\n', stragglers: 1 });
    expectGone(await pidFrom(path.join(cwd, 'daemon.pid')));
  });

  it('an abort mid-run kills the tree and reports cancelled', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const { r, elapsed } = await timed('aborted at 300 ms', `trap '' TERM; sleep 1000 & sleep 1000`, {
      signal: ac.signal,
      timeoutMs: 30_000,
    });
    expect(elapsed).toBeLessThan(300 + 2000 + 1000);
    expect(r).toMatchObject({ cancelled: true, timedOut: false, exitCode: null });
    expectGone(r.pid);
  });

  it('an abort before the start runs nothing', async () => {
    const cwd = await tempDir();
    const r = await runCheck('touch ran', { cwd, timeoutMs: 1000, signal: AbortSignal.abort() });
    expect(r).toMatchObject({ cancelled: true, exitCode: null, output: '' });
    expect(readdirSync(cwd)).toEqual([]);
  });
});
