import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Identifies this process well enough to tell, later, whether it is provably gone. */
export interface Owner {
  pid: number;
  host: string;
  /** Kernel start time of the process (Linux), so a recycled pid is not mistaken for the owner. */
  start?: string;
}

function procStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) follows the parenthesised command name, which may contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function selfOwner(): Owner {
  return { pid: process.pid, host: os.hostname(), start: procStart(process.pid) };
}

/**
 * True only when the owner is certainly not running: same host, and the pid is gone or now
 * belongs to a process that started at another time. An owner on another host is never dead.
 */
export function ownerIsDead(owner: Owner): boolean {
  if (owner.host !== os.hostname()) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
  if (owner.start !== undefined) {
    const now = procStart(owner.pid);
    if (now !== undefined && now !== owner.start) return true;
  }
  return false;
}
