import { readdirSync, readFileSync } from 'node:fs';
import { readProc } from '../../src/agent/exec-procs.js';

/**
 * True while a live (non-zombie) process is left in the process group. Unlike
 * `process.kill(-pgid, 0)`, an unreaped zombie does not count: a killed command is over once only
 * zombies remain.
 */
export function liveGroupMember(pgid: number): boolean {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(name);
    if (p && p.pgid === pgid && p.state !== 'Z' && p.state !== 'X') return true;
  }
  return false;
}

/** The start time of a live process, which tells it apart from a later one given the same pid. */
export function procStart(pid: number): string | null {
  return readProc(pid)?.start ?? null;
}

/**
 * Alive, not a zombie (a container may have no init to reap orphans), and still the process that
 * started at `start`: a pid freed by a kill may be another process's a moment later.
 */
export function aliveSince(pid: number, start: string | null): boolean {
  const now = readProc(pid);
  return now !== null && now.state !== 'Z' && now.state !== 'X' && now.start === start;
}

/** A shell line that appends the pid in `$var` and its start time to the file `$E2E_PIDS` names. */
export const recordPid = (v: string) => `echo "${v} $(cut -d" " -f22 /proc/${v}/stat)" >> "$E2E_PIDS"`;

/** What `recordPid` lines wrote. */
export function readPids(file: string): { pid: number; start: string }[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid, start] = line.split(' ');
      return { pid: Number(pid), start: start ?? '' };
    });
}
