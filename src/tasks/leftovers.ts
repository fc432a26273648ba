import { readProc } from '../agent/exec-procs.js';
import { ProcessTree } from '../agent/exec-tree.js';
import type { CheckGroup } from './run-lock.js';

/** Time between SIGTERM and SIGKILL for what a dead run left: it has no one to report to. */
const GRACE_MS = 300;

/**
 * Stops the check process groups a killed run left running: the group, its session, and every
 * descendant still linked to them. Returns how many processes were signalled.
 *
 * A group's id is its leader's pid, and the kernel never hands that pid to a new process while
 * anything still uses it as a group or session id. So when the pid is free, or still the same
 * leader (same start time), everything in that group or session is the check's. When the pid
 * belongs to a process that started at another time, the check's group is gone for good and the
 * pid is someone else's: it is left alone.
 */
export async function stopLeftovers(groups: readonly CheckGroup[]): Promise<number> {
  let signalled = 0;
  for (const g of groups) {
    const now = readProc(g.pgid);
    if (now && now.state !== 'Z' && g.start !== undefined && now.start !== g.start) continue;
    signalled += await new ProcessTree(g.pgid, new Set(), () => false).kill(GRACE_MS);
  }
  return signalled;
}
