import { readdirSync, readFileSync } from 'node:fs';

/**
 * True while a live (non-zombie) process is left in the process group. Unlike
 * `process.kill(-pgid, 0)`, an unreaped zombie does not count: a killed command is over once only
 * zombies remain.
 */
export function liveGroupMember(pgid: number): boolean {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}
