/**
 * The operations of the property test: how a sequence is drawn from a seed, and how a factory
 * operation runs against the real core. Shared by the test and by property-child.ts, the process
 * that runs one operation and is killed with SIGKILL part-way; so nothing here imports vitest.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { recoverFirst } from '../../src/cli/context.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { openRepo } from '../../src/git/repo.js';
import { createTask } from '../../src/tasks/create.js';
import { discardTask } from '../../src/tasks/discard.js';
import { mergeTask } from '../../src/tasks/merge.js';
import type { WorktreeOptions } from '../../src/tasks/options.js';
import { pruneTasks } from '../../src/tasks/prune.js';
import { rollbackTask, undoRollback } from '../../src/tasks/rollback.js';
import { TaskWorkspace } from '../../src/tasks/workspace.js';

/** mulberry32: small, fast and the same on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One step of a sequence as drawn: the kind and a few random numbers in [0, 1) that pick the
 * task, file, mode... when the step runs, against whatever state the sequence is in then. So a
 * step can be removed (to shrink a failing sequence) without changing what the others mean.
 */
export type OpKind = 'task' | 'work' | 'edit' | 'hand' | 'rollback' | 'undo' | 'discard' | 'merge' | 'prune';

export interface Op {
  k: OpKind;
  r: number[];
  /** Run it in a child process killed with SIGKILL before (or while) its `at`-th git process runs. */
  kill?: { at: number; during: boolean; cmd?: string };
}

const WEIGHTS: [OpKind, number][] = [
  ['task', 7],
  ['work', 20],
  ['edit', 24],
  ['hand', 12],
  ['rollback', 8],
  ['undo', 5],
  ['discard', 7],
  ['merge', 14],
  ['prune', 6],
];
/** Which commands a kill -9 lands in: mostly the ones that touch the main tree or retire a worktree. */
/** About how many git processes each command starts when it goes through (git 2.39): the kill
 * point is drawn below that, so most kills land inside the command. */
const KILL_RANGE: Partial<Record<OpKind, number>> = {
  merge: 18,
  discard: 6,
  work: 15,
  prune: 4,
  task: 5,
  rollback: 12,
  undo: 9,
};
const MERGE_CMDS = ['read-tree', 'update-ref', 'checkout', 'reset', 'clean', 'worktree'];
const DISCARD_CMDS = ['update-ref', 'checkout', 'reset', 'clean', 'worktree'];
const KILL_WEIGHTS: Partial<Record<OpKind, number>> = {
  merge: 5,
  discard: 4,
  work: 2,
  prune: 2,
  task: 1,
  rollback: 1,
  undo: 1,
};

export interface SequencePlan {
  seed: number;
  /** Where task worktrees go: the default (inside .git), a folder next to the repo that the user
   * already keeps other things in, or a fresh folder inside such a folder. */
  layout: 'default' | 'shared' | 'nested';
  pool: number;
  copyEnv: boolean;
  ops: Op[];
}

export function drawSequence(seed: number, killRate: number): SequencePlan {
  const rnd = prng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const total = WEIGHTS.reduce((s, [, w]) => s + w, 0);
  const nums = () => Array.from({ length: 8 }, rnd);
  const ops: Op[] = [{ k: 'task', r: nums() }];
  // 5 to 12 steps in all, shorter ones more often: each factory command costs a dozen git processes.
  const n = 4 + Math.floor(rnd() * rnd() * 8);
  for (let i = 0; i < n; i++) {
    let x = rnd() * total;
    const k = WEIGHTS.find(([, w]) => (x -= w) < 0)![0];
    ops.push({ k, r: nums() });
  }
  const layout = pick(['default', 'default', 'shared', 'nested'] as const);
  const pool = pick([0, 1, 2]);
  const copyEnv = rnd() < 0.3;
  if (rnd() < killRate) {
    const candidates = ops.map((o, i) => i).filter((i) => i > 0 && KILL_WEIGHTS[ops[i]!.k]);
    const weight = (i: number) => KILL_WEIGHTS[ops[i]!.k]!;
    let x = rnd() * candidates.reduce((sum, i) => sum + weight(i), 0);
    const i = candidates.find((c) => (x -= weight(c)) < 0);
    if (i !== undefined) {
      // Half the merge and discard kills are aimed by git command, at the moments that move the
      // main tree, HEAD or the worktree (the first such git process); the others by count.
      const k = ops[i]!.k;
      const cmds = k === 'merge' ? MERGE_CMDS : k === 'discard' ? DISCARD_CMDS : [];
      const byCmd = cmds.length > 0 && rnd() < 0.5;
      const cmd = byCmd ? pick(cmds) : undefined;
      const at = byCmd ? 1 : 1 + Math.floor(rnd() * KILL_RANGE[k]!);
      ops[i] = { ...ops[i]!, kill: { at, during: rnd() < 0.35, ...(cmd ? { cmd } : {}) } };
    }
  }
  return { seed, layout, pool, copyEnv, ops };
}

/** A factory operation with everything decided: what the child process is given. */
export type FactoryOp =
  | { k: 'task'; title: string }
  | {
      k: 'work';
      id: number;
      steps: { path: string; content: string | null }[];
      /** Whether the attempt ends with its attempt commit, and whether its check passed. */
      attempt: boolean;
      pass: boolean;
    }
  | { k: 'rollback'; id: number; attempt: number; step?: number }
  | { k: 'undo'; id: number }
  | { k: 'discard'; id: number; force: boolean }
  | { k: 'merge'; id: number; mode: 'squash' | 'merge'; force: boolean }
  | { k: 'prune' };

export function describeOp(op: FactoryOp): string {
  switch (op.k) {
    case 'task':
      return `factory task "${op.title}"`;
    case 'work':
      return `agent works on task ${op.id}: ${op.steps.map((s) => (s.content === null ? `rm ${s.path}` : `write ${s.path}`)).join(', ')}${op.attempt ? `, attempt commit (${op.pass ? 'PASS' : 'FAIL'})` : ' (no attempt commit)'}`;
    case 'rollback':
      return `factory rollback ${op.id}.${op.attempt}${op.step ? `.${op.step}` : ''}`;
    case 'undo':
      return `factory rollback --undo ${op.id}`;
    case 'discard':
      return `factory discard ${op.id}${op.force ? ' --force' : ''}`;
    case 'merge':
      return `factory merge ${op.id} --${op.mode}${op.force ? ' --force' : ''}`;
    case 'prune':
      return 'factory prune';
  }
}

/** Runs one factory operation through the real core, as the CLI command would. */
export async function runFactoryOp(repoDir: string, opts: WorktreeOptions, op: FactoryOp): Promise<string> {
  const repo = await openRepo(repoDir);
  // What the CLI does before every command: finish or undo a merge or discard killed half-way.
  await recoverFirst(repo, { ...DEFAULT_CONFIG, worktree: opts });
  switch (op.k) {
    case 'task': {
      const { record } = await createTask(repo, opts, { title: op.title });
      return `created task ${record.id}`;
    }
    case 'work': {
      const ws = await TaskWorkspace.open(repo, op.id, opts);
      try {
        const n = await ws.nextAttempt();
        let step = 0;
        for (const s of op.steps) {
          const abs = path.join(ws.worktree, s.path);
          if (s.content === null) await rm(abs, { force: true });
          else {
            await mkdir(path.dirname(abs), { recursive: true });
            await writeFile(abs, s.content);
          }
          await ws.commitStep({ attempt: n, step: ++step, tool: 'write_file', paths: [s.path] });
        }
        if (op.attempt)
          await ws.commitAttempt({
            attempt: n,
            checkExit: op.pass ? 0 : 1,
            verdict: op.pass ? 'PASS' : 'FAIL',
            durationMs: 1,
            outcome: op.pass ? 'passed' : 'failed',
          });
        return `attempt ${n}`;
      } finally {
        await ws.close();
      }
    }
    case 'rollback': {
      const r = await rollbackTask(repo, { task: op.id, attempt: op.attempt, step: op.step });
      return `at ${r.to.slice(0, 10)}`;
    }
    case 'undo': {
      const r = await undoRollback(repo, op.id);
      return `at ${r.to.slice(0, 10)}`;
    }
    case 'discard':
      await discardTask(repo, opts, op.id, { force: op.force });
      return 'discarded';
    case 'merge': {
      const r = await mergeTask(repo, opts, op.id, op.mode, { force: op.force });
      return `merged as ${r.commit.slice(0, 10)}`;
    }
    case 'prune': {
      const items = await pruneTasks(repo, opts, false);
      return items.map((i) => `${i.kind} ${path.basename(i.path)}`).join(', ') || 'nothing';
    }
  }
}
