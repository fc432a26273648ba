import { existsSync } from 'node:fs';
import type { Repo } from '../git/repo.js';
import { commitAttempt, commitStep, type AttemptResult, type BranchState } from '../git/commit.js';
import { attemptRefs, readHistory, type TaskHistory } from '../git/history.js';
import type { Verdict } from '../git/messages.js';
import { branchRef } from '../git/refs.js';
import { revParse } from '../git/rollback.js';
import { git } from '../git/run.js';
import { readCopiedList } from '../git/protected-paths.js';
import { verifyWorktreeLink } from '../git/worktree-link.js';
import { refuse } from '../errors.js';
import { acquireRunLock, type RunLock } from './run-lock.js';
import { recoverAfterCrash } from './recover.js';
import { appendEvent, readRecord, type TaskRecord } from './record.js';

export interface StepRequest {
  attempt: number;
  step: number;
  tool: string;
  paths: string[];
}

export interface AttemptRequest {
  attempt: number;
  checkExit: number | null;
  verdict: Verdict;
  durationMs: number;
  outcome: string;
}

/**
 * The engine as the agent loop sees one task: exclusive ownership while open, step and attempt
 * commits, and the history rebuilt from git.
 */
export class TaskWorkspace {
  private constructor(
    readonly repo: Repo,
    readonly record: TaskRecord,
    readonly branch: BranchState,
    private readonly lock: RunLock,
    private readonly maxFileBytes: number,
  ) {}

  static async open(repo: Repo, id: number, opts: { maxFileSize: number }): Promise<TaskWorkspace> {
    const record = await readRecord(repo, id);
    if (!existsSync(record.worktree))
      throw refuse(`the worktree of task ${id} is gone (${record.worktree})`, '`factory prune` cleans it up');
    const lock = await acquireRunLock(repo, id);
    try {
      if (lock.stale) await recoverAfterCrash(repo, record, lock);
      const tip = await revParse(repo.root, branchRef(record.branch));
      if (!tip) throw refuse(`the branch ${record.branch} of task ${id} is gone`);
      const gitDir = await verifyWorktreeLink(repo.commonDir, record.worktree);
      const state: BranchState = {
        worktree: record.worktree,
        branch: record.branch,
        tip,
        commonDir: repo.commonDir,
        gitDir,
        copied: await readCopiedList(gitDir),
      };
      return new TaskWorkspace(repo, record, state, lock, opts.maxFileSize * 1024 * 1024);
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  get id(): number {
    return this.record.id;
  }

  get worktree(): string {
    return this.record.worktree;
  }

  private lastAttempt: number | undefined;

  /**
   * Attempt numbers only grow, even across rollbacks, so an attempt ref is never overwritten.
   * Read from git once per open workspace; the run lock makes this process the only writer.
   */
  async nextAttempt(): Promise<number> {
    if (this.lastAttempt === undefined) {
      const refs = await attemptRefs(this.repo, this.id);
      const history = await this.history();
      this.lastAttempt = Math.max(0, ...refs.keys(), ...history.attempts.map((a) => a.n));
    }
    return ++this.lastAttempt;
  }

  commitStep(req: StepRequest): Promise<string | null> {
    return commitStep(this.branch, { task: this.id, ...req });
  }

  async commitAttempt(req: AttemptRequest): Promise<AttemptResult> {
    const r = await commitAttempt(this.branch, { task: this.id, ...req }, this.maxFileBytes);
    await appendEvent(this.repo, this.id, 'attempt', { ...req, commit: r.commit, skipped: r.skipped });
    return r;
  }

  /** The commit the branch is at, as this writer last moved it. */
  tip(): string {
    return this.branch.tip;
  }

  /** The commit the task's change is measured from; a rebase moves it. */
  base(): string {
    return this.record.base;
  }

  /** The paths the branch changed since `from` (renames by both names), relative to the worktree. */
  async changedPaths(from: string): Promise<string[]> {
    const out = (
      await git(['diff', '--name-only', '-z', '--no-renames', from, this.branch.tip], { cwd: this.worktree })
    ).stdout;
    return out.split('\0').filter(Boolean);
  }

  /** What the branch changed since `from`: the diff an attempt's Sheriff reads. */
  async diffSince(from: string): Promise<string> {
    return (await git(['diff', '--no-color', '--no-ext-diff', from, this.branch.tip], { cwd: this.worktree }))
      .stdout;
  }

  history(): Promise<TaskHistory> {
    return readHistory(this.repo, this.id, this.record.base, this.branch.tip);
  }

  /**
   * Records a check's process group in the run lock while it runs, so a run killed meanwhile
   * leaves a note of what to stop. Returns the function to call once the group is gone.
   */
  trackGroup(pgid: number): () => void {
    return this.lock.trackGroup(pgid);
  }

  async close(): Promise<void> {
    await this.lock.release();
  }
}
