import { git } from './run.js';
import { branchRef } from './refs.js';

/**
 * The rollback history of a task branch, kept in the branch's own reflog: every move factory
 * makes to it (rollback, undo, rebase) is written with a message of a fixed form, so the reflog
 * reads as a stack of positions and `--undo` can step back through it more than once.
 */

const ROLLBACK = /^factory rollback: to (.*) from ([0-9a-f]{40}(?:[0-9a-f]{24})?)$/;
const UNDO = /^factory rollback --undo: /;

/** The reflog message of a move of the branch to `target` (how the user named it) from `from`. */
export const rollbackMessage = (target: string, from: string) =>
  `factory rollback: to ${target} from ${from}`;

/** The reflog message of an undo, which takes back the latest rollback not yet undone. */
export const undoMessage = (back: string, target: string) =>
  `factory rollback --undo: back to ${back} (before the rollback to ${target})`;

export interface UndoableRollback {
  /** Where the branch was before that rollback. */
  from: string;
  /** What that rollback moved to, as the user named it. */
  target: string;
}

/**
 * The latest rollback that has not been undone yet: walking the reflog from the newest entry,
 * each undo cancels the nearest earlier rollback. Null when there is none left.
 */
export async function lastUndoable(dir: string, branch: string): Promise<UndoableRollback | null> {
  const r = await git(['reflog', 'show', '--format=%gs', branchRef(branch), '--'], {
    cwd: dir,
    allowFail: true,
  });
  if (r.code !== 0) return null;
  let undone = 0;
  for (const line of r.stdout.split('\n')) {
    if (UNDO.test(line)) undone++;
    else {
      const m = ROLLBACK.exec(line);
      if (!m) continue;
      if (undone > 0) undone--;
      else return { target: m[1]!, from: m[2]! };
    }
  }
  return null;
}
