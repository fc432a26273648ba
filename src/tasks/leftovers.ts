import { readProc } from '../agent/exec-procs.js';
import { ProcessTree } from '../agent/exec-tree.js';
import type { CheckGroup } from './run-lock.js';
import { refuse } from '../errors.js';

/** Time between SIGTERM and SIGKILL for what a dead run left: it has no one to report to. */
const GRACE_MS = 300;

/**
 * Stops the check process groups a killed run left running: the group, its session, and every
 * descendant still linked to them. Returns how many processes were signalled; refuses when one
 * of them outlives its SIGKILLs.
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
    const tree = new ProcessTree(g.pgid, new Set(), () => false);
    signalled += await tree.kill(GRACE_MS);
    // Whatever runs on would write into the worktree under the next attempt: nothing may start.
    if (tree.alive())
      throw refuse(
        `the check a killed run left (process group ${g.pgid}) would not stop`,
        `stop it (kill -9 -- -${g.pgid}), then try again`,
      );
  }
  return signalled;
}
