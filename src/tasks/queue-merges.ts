/**
 * The merge queue's merges of a task onto an integration tip: a trial merge with merge-tree (a
 * conflict touches nothing), then the squash or merge commit with commit-tree. Each is made once,
 * and may be made ahead: while a task's check runs, the next task's merge onto the tip that
 * check would make is made beside it, and used when the check passes. A merge not used leaves
 * only objects nothing points to.
 */
import type { Repo } from '../git/repo.js';
import { trialMerge } from '../git/conflicts.js';
import { commitTree } from '../git/land.js';
import type { TaskView } from './history.js';
import { squashMessage } from './merge.js';

export type Merged =
  { kind: 'conflict'; files: string[] } | { kind: 'empty' } | { kind: 'clean'; tree: string; commit: string };

export class QueueMerges {
  private readonly made = new Map<string, Promise<Merged>>();

  constructor(
    private readonly repo: Repo,
    private readonly mode: 'squash' | 'merge',
  ) {}

  /** The merge of `view`'s tip onto `tip` (whose tree is `tipTree`): begun now, or found. */
  onto(view: TaskView, tip: string, tipTree: string): Promise<Merged> {
    const key = `${view.record.id} ${tip}`;
    let merged = this.made.get(key);
    if (!merged) {
      merged = this.make(view, tip, tipTree);
      // Made ahead, it may never be asked for: its failure is then nobody's.
      merged.catch(() => undefined);
      this.made.set(key, merged);
    }
    return merged;
  }

  /** Waits for every merge begun, so none runs on after the queue ends. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.made.values());
  }

  private async make(view: TaskView, tip: string, tipTree: string): Promise<Merged> {
    const trial = await trialMerge(this.repo, tip, view.tip!);
    if (trial.conflicts.length) return { kind: 'conflict', files: trial.conflicts };
    if (trial.tree === tipTree) return { kind: 'empty' };
    const second = this.mode === 'merge' ? view.tip! : undefined;
    const commit = await commitTree(this.repo, trial.tree, tip, squashMessage(view), second);
    return { kind: 'clean', tree: trial.tree, commit };
  }
}
