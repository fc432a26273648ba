/**
 * The backstop that no browser outlives a capture: each launch carries a marker switch of its
 * own on its command line (Chromium ignores switches it does not know), and a sweep kills the
 * process group of whatever still carries it. Playwright alone kills a browser that hangs on
 * launch only 30 s after giving up on it, and a capture must not leave one behind even then.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { readProcTable } from '../agent/exec-procs.js';
import { groupAlive } from '../llm/process-group.js';

/** SIGKILL takes effect when the kernel next runs the process: on a loaded machine, not at once. */
const DEATH_WAIT_MS = 5_000;

/** A switch unique to one launch. */
export function launchMarker(): string {
  return `--factory-visual-capture=${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** Process groups of live processes whose arguments include `marker`, from /proc. */
function groupsFromProc(marker: string): number[] {
  const groups = new Set<number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes(marker)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, , pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') groups.add(Number(pgid));
    } catch {
      // It exited while being read.
    }
  }
  return [...groups];
}

/** The same from ps, where there is no /proc (macOS). */
async function groupsFromPs(marker: string): Promise<number[]> {
  const r = await execa('ps', ['-axo', 'pgid=,command='], { reject: false });
  const groups = new Set<number>();
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (m && m[2]!.split(' ').includes(marker)) groups.add(Number(m[1]));
  }
  return [...groups];
}

/** Whether any of `groups` still has a live member (zombies do not count where /proc tells). */
function anyAlive(groups: number[]): boolean {
  const table = readProcTable();
  if (!table) return groups.some(groupAlive);
  for (const p of table.values()) if (groups.includes(p.pgid) && p.state !== 'Z') return true;
  return false;
}

/**
 * SIGKILLs every process group that still carries `marker` and waits (a few seconds at most)
 * until none of them has a live member, so the browser is gone when the capture returns.
 * Returns how many groups there were.
 */
export async function sweepMarked(marker: string): Promise<number> {
  const found = process.platform === 'linux' ? groupsFromProc(marker) : await groupsFromPs(marker);
  // Never this process's own group (a marked process cannot lead it, but be sure).
  const groups = found.filter((pgid) => pgid > 1 && pgid !== process.pid);
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  const deadline = performance.now() + DEATH_WAIT_MS;
  while (groups.length > 0 && anyAlive(groups) && performance.now() < deadline) await sleep(10);
  return found.length;
}
