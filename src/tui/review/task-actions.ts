import { existsSync } from 'node:fs';
import { discardTask } from '../../tasks/discard.js';
import { undoRollback, rollbackTask, type RollbackResult } from '../../tasks/rollback.js';
import { requestCancel } from '../../tasks/cancel.js';
import { formatAddress, type Address } from '../../tasks/address.js';
import type { TaskStatus } from '../../tasks/status.js';
import type { Action } from './keys.js';
import type { ReviewApi } from './context.js';
import { shortSha } from './format.js';

/** What the list and the detail screen both know about the selected task. */
export interface TaskRef {
  id: number;
  branch: string;
  status: TaskStatus;
  worktree: string;
}

const finished = (s: TaskStatus) => s === 'merged' || s === 'discarded';

function rollbackText(r: RollbackResult): string {
  if (r.from === r.to) return `task ${r.task} is already at ${r.target}`;
  return `task ${r.task}: rolled back to ${r.target} (${shortSha(r.to)}); u undoes it`;
}

/** Asks, then rolls the task back to an attempt or a step. */
export function askRollback(api: ReviewApi, t: TaskRef, addr: Address): void {
  const where = formatAddress(addr);
  api.ask({
    kind: 'confirm',
    question: `Roll task ${t.id} back to ${where}? Branch and worktree move there; later attempts stay reachable.`,
    busy: `rolling task ${t.id} back to ${where}…`,
    run: async () => rollbackText(await rollbackTask(api.deps.repo, addr)),
  });
}

/**
 * The actions the task list and the task detail share. Each goes through the same core function
 * as its CLI command; refusals come back as the core's own message. Returns false for actions
 * that are not about a task.
 */
export function taskAction(api: ReviewApi, action: Action, t: TaskRef): boolean {
  const { deps } = api;
  switch (action) {
    case 'merge':
      if (finished(t.status)) api.say({ tone: 'error', text: `task ${t.id} is already ${t.status}` });
      else api.push({ kind: 'merge', id: t.id });
      return true;
    case 'discard':
      if (t.status === 'discarded') {
        api.say({ tone: 'error', text: `task ${t.id} is already discarded` });
        return true;
      }
      api.ask({
        kind: 'confirm',
        question: `Discard task ${t.id}? Its branch ${t.branch} is deleted (attempt refs stay until \`factory prune\`).`,
        busy: `discarding task ${t.id}…`,
        run: async () => {
          const r = await discardTask(deps.repo, deps.worktree, t.id);
          return `discarded task ${r.task}: deleted ${r.branch}, worktree ${r.worktree}`;
        },
      });
      return true;
    case 'undo':
      api.ask({
        kind: 'confirm',
        question: `Undo the last rollback of task ${t.id}? The branch goes back to where it was.`,
        busy: `undoing the last rollback of task ${t.id}…`,
        run: async () => rollbackText(await undoRollback(deps.repo, t.id)),
      });
      return true;
    case 'feedback':
      if (t.status === 'running')
        api.say({ tone: 'error', text: `task ${t.id} is running; wait for it or cancel it (c) first` });
      else if (finished(t.status) || t.status === 'passed')
        api.say({ tone: 'error', text: `task ${t.id} is ${t.status}; there is nothing to resume` });
      else
        api.ask({
          kind: 'input',
          prompt: `Feedback for task ${t.id}'s next attempt (enter: resume in the background, esc: cancel)`,
          busy: `starting task ${t.id} again…`,
          run: async (text) => {
            const r = await deps.resume(t.id, text.trim());
            return `task ${t.id} resumes in the background${r.pid ? ` (pid ${r.pid})` : ''}; output in ${r.log}`;
          },
        });
      return true;
    case 'cancel':
      if (t.status !== 'running') {
        api.say({ tone: 'error', text: `task ${t.id} is not running (${t.status})` });
        return true;
      }
      api.ask({
        kind: 'confirm',
        question: `Cancel task ${t.id}? The running attempt is stopped and committed as cancelled.`,
        busy: `cancelling task ${t.id}…`,
        run: async () => {
          await requestCancel(deps.repo, t.id);
          return `asked task ${t.id} to cancel; it stops within a second`;
        },
      });
      return true;
    case 'shell':
      if (!existsSync(t.worktree)) {
        api.say({
          tone: 'error',
          text: `the worktree of task ${t.id} is gone (${t.worktree}) — \`factory prune\` cleans it up`,
        });
        return true;
      }
      api.act(`opening a shell in ${t.worktree}…`, async () => {
        await deps.openShell(t.worktree);
        return `back from the shell in ${t.worktree}`;
      });
      return true;
    case 'copy':
      deps.copy(t.branch);
      api.say({ tone: 'ok', text: `copied the branch name: ${t.branch}` });
      return true;
    default:
      return false;
  }
}
