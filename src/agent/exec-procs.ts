import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * A read of Linux's /proc, just enough to find every process a check started. Everything here is
 * best effort: processes come and go while we read, so a vanished entry is skipped, never an error.
 */

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** 'Z' for a zombie: dead, only waiting for a parent to reap it, so it counts as gone. */
  state: string;
  /** Start time in clock ticks since boot: with the pid, an identity that survives pid reuse. */
  start: string;
}

const hasProc = existsSync('/proc/self/stat');

/** Null where there is no /proc (macOS): callers then fall back to the process group alone. */
export function readProcTable(): Map<number, ProcInfo> | null {
  if (!hasProc) return null;
  const table = new Map<number, ProcInfo>();
  for (const name of listPids()) {
    const info = readProc(name);
    if (info) table.set(info.pid, info);
  }
  return table;
}

function listPids(): string[] {
  try {
    return readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
}

export function readProc(pid: number | string): ProcInfo | null {
  if (!hasProc) return null;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command name sits in parentheses and may itself contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (fields.length < 20) return null;
  return {
    pid: Number(pid),
    state: fields[0]!,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    sid: Number(fields[3]),
    start: fields[19]!,
  };
}

/** What an open descriptor points at, e.g. `socket:[123]`: the same text in every process sharing it. */
export function fdTarget(pid: number, fd: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/fd/${fd}`);
  } catch {
    return null;
  }
}

/**
 * Processes (of our user; others cannot be read, nor killed) holding any of `targets` open. This is
 * how a grandchild that left our session but kept the output pipe is found.
 */
export function holdersOf(targets: ReadonlySet<string>): number[] {
  if (!hasProc || targets.size === 0) return [];
  const found: number[] = [];
  for (const pid of listPids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      const target = fdTarget(Number(pid), Number(fd));
      if (target !== null && targets.has(target)) {
        found.push(Number(pid));
        break;
      }
    }
  }
  return found;
}
