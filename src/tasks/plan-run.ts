import { replyEvent, type LoopEvent, type LoopSettings } from '../agent/loop.js';
import { planTurn } from '../agent/phases/plan.js';
import type { Plan, PlanSubtask } from '../agent/plan.js';
import { ContextWindow } from '../agent/context/window.js';
import { TokenBudget } from '../agent/tokens.js';
import type { TaskSpec } from '../agent/types.js';
import { queuedChat } from '../llm/inference.js';
import { LlmError } from '../llm/errors.js';
import { appendEvent, writeRecord, type TaskRecord } from './record.js';
import { TaskWorkspace } from './workspace.js';
import { watchCancel } from './cancel.js';
import type { RunnerOptions, TaskOutcome } from './runner.js';
import type { Slots } from './slots.js';
import type { TaskInput } from './task-file.js';

/** What running a planned task needs from the runner (passed in, so the runner stays the one entry point). */
export interface PlanRunDeps {
  opts: RunnerOptions;
  settings: LoopSettings;
  /** The task as the planner reads it (the user's title, description, constraints and spec). */
  task: TaskSpec;
  slots: Slots;
  /** Runs the loop on a task (the runner's drive), with this signal for cancellation. */
  drive: (rec: TaskRecord, signal: AbortSignal) => Promise<TaskOutcome>;
  /** Creates one child task of the parent for a subtask (its own id, worktree and branch). */
  createChild: (parent: TaskRecord, subtask: PlanSubtask) => Promise<TaskRecord>;
}

/** A child's description: its brief, and the files the planner expects it to touch. */
export function childBrief(s: PlanSubtask): string {
  return s.files.length ? `${s.brief}\n\nFiles likely involved: ${s.files.join(', ')}` : s.brief;
}

/** A child task of a plan: the subtask's title and self-contained brief, the parent's settings. */
export function childInput(parent: TaskRecord, s: PlanSubtask): Omit<TaskInput, 'source'> {
  return {
    title: s.title,
    description: childBrief(s),
    constraints: parent.constraints ?? [],
    ...(parent.check !== undefined ? { check: parent.check } : {}),
    ...(parent.maxAttempts !== undefined ? { maxAttempts: parent.maxAttempts } : {}),
    ...(parent.timeout !== undefined ? { timeout: parent.timeout } : {}),
    ...(parent.sandbox !== undefined ? { sandbox: parent.sandbox } : {}),
    ...(parent.visual !== undefined ? { visual: parent.visual } : {}),
    ...(parent.spec !== undefined ? { spec: parent.spec } : {}),
  };
}

const outcomeOf = (
  rec: TaskRecord,
  outcome: TaskOutcome['outcome'],
  reason: string,
  more: Partial<TaskOutcome> = {},
): TaskOutcome => ({
  id: rec.id,
  title: rec.title,
  branch: rec.branch,
  outcome,
  attempts: 0,
  reason,
  tokens: 0,
  added: 0,
  removed: 0,
  inferenceDown: false,
  ...(rec.planKey !== undefined ? { planKey: rec.planKey } : {}),
  ...more,
});

/**
 * A task with `plan: true`: the planner turn first (its prompt, reply and `plan` event in the
 * task's log, the plan in its record). No or one subtask: the task runs as usual with the brief.
 * Several: each becomes a child task, run through the runner's slots once the children it waits
 * for (`after`) have passed; the parent holds its run lock meanwhile, does no coding itself, and
 * ends passed when every child passed.
 */
export async function runPlanned(rec: TaskRecord, d: PlanRunDeps): Promise<TaskOutcome> {
  const { opts } = d;
  const { repo } = opts;
  const ws = await TaskWorkspace.open(repo, rec.id, opts.config.worktree);
  const cancel = watchCancel(repo, rec.id, opts.signal);
  let written: Promise<void> = Promise.resolve();
  const log = (e: LoopEvent) => {
    opts.onEvent?.(ws.record, e);
    const data = e.type === 'phase' ? { phase: e.phase, attempt: e.attempt } : { ...e };
    written = written.then(() => appendEvent(repo, rec.id, e.type, data));
  };
  const budget = new TokenBudget(Number.MAX_SAFE_INTEGER);
  let planned: TaskRecord;
  try {
    await appendEvent(repo, rec.id, 'status', { status: 'running' });
    opts.onStart?.(ws.record);
    log({ type: 'phase', attempt: 0, phase: 'plan' });
    const result = await d.slots.run(() =>
      planTurn({
        window: new ContextWindow(d.settings.maxTokensPerTurn, d.settings.context ?? null),
        task: d.task,
        repoRoot: ws.worktree,
        prompts: opts.prompts,
        temperature: d.settings.temperature,
        say: (line) => {
          opts.onNotice?.(`task ${rec.id}: ${line}`);
          log({ type: 'notice', attempt: 0, text: line });
        },
        send: async (req) => {
          if (cancel.signal.aborted) throw new Error('cancelled by the user');
          log({ type: 'prompt', attempt: 0, role: 'planner', messages: req.messages });
          const r = await queuedChat(opts.inference, `task-${rec.id}`, req, {
            signal: cancel.signal,
            idleTimeoutMs: d.settings.llmTimeoutMs,
            ...(d.settings.firstTokenTimeoutMs !== undefined
              ? { firstTokenMs: d.settings.firstTokenTimeoutMs }
              : {}),
          });
          budget.add(r.usage);
          log(replyEvent(0, 'planner', r));
          return r;
        },
      }),
    );
    log({
      type: 'plan',
      attempt: 0,
      plan: result.plan,
      tries: result.tries,
      ...(result.error ? { error: result.error } : {}),
    });
    // The plan's spec becomes the task's (the visual check and the judge read it), unless it has one.
    const spec = ws.record.spec ?? result.plan.spec ?? undefined;
    planned = { ...ws.record, planned: result.plan, ...(spec !== undefined ? { spec } : {}) };
    await writeRecord(repo, planned);
    await written;
  } catch (e) {
    await written.catch(() => undefined);
    await cancel.stop();
    await ws.close();
    const cancelled = cancel.signal.aborted;
    const reason = cancelled
      ? 'cancelled by the user'
      : `planner: ${e instanceof LlmError ? e.describe() : (e as Error).message}`;
    const outcome = cancelled ? 'cancelled' : 'error';
    await appendEvent(repo, rec.id, 'status', {
      status: cancelled ? 'cancelled' : 'failed',
      reason,
      outcome,
    });
    const o = outcomeOf(rec, outcome, reason, {
      tokens: budget.used,
      inferenceDown: e instanceof LlmError && (e.kind === 'connection' || e.kind === 'loading'),
    });
    opts.onFinish?.(rec, o);
    return o;
  }
  const plan = planned.planned as Plan;
  if (plan.subtasks.length < 2) {
    // Runs as today, with the brief in place of the description (runner's specOf reads it).
    await cancel.stop();
    await ws.close();
    const o = await d.slots.run(() => d.drive(planned, opts.signal));
    return { ...o, tokens: o.tokens + budget.used };
  }
  try {
    return await runChildren(planned, plan, d, cancel.signal, budget.used);
  } finally {
    await cancel.stop();
    await ws.close();
  }
}

/** Creates the children in plan order, runs them as `after` allows, and ends the parent's run. */
async function runChildren(
  parent: TaskRecord,
  plan: Plan,
  d: PlanRunDeps,
  signal: AbortSignal,
  plannerTokens: number,
): Promise<TaskOutcome> {
  const { repo } = d.opts;
  const children: TaskRecord[] = [];
  try {
    for (const s of plan.subtasks) children.push(await d.createChild(parent, s));
  } finally {
    // Whatever was made is on record, so the parent never loses track of a child.
    if (children.length) await writeRecord(repo, { ...parent, children: children.map((c) => c.id) });
  }
  await appendEvent(repo, parent.id, 'children', {
    children: children.map((c) => ({ id: c.id, key: c.planKey, branch: c.branch })),
  });
  await appendEvent(repo, parent.id, 'phase', { phase: 'subtasks', attempt: 0 });
  const byKey = new Map(children.map((c) => [c.planKey!, c]));
  const runs = new Map<string, Promise<TaskOutcome>>();
  const run = (key: string): Promise<TaskOutcome> => {
    let p = runs.get(key);
    if (p) return p;
    const child = byKey.get(key)!;
    const s = plan.subtasks.find((x) => x.key === key)!;
    p = (async () => {
      const before = await Promise.all(s.after.map(run));
      const bad = before.find((o) => o.outcome !== 'passed');
      if (bad)
        return stopChild(
          d,
          child,
          'blocked',
          `it waits for task ${bad.id} (${bad.planKey}), which ${bad.outcome === 'blocked' ? 'was blocked' : 'did not pass'}`,
        );
      const o = await d.slots.run(async () => (signal.aborted ? null : d.drive(child, signal)));
      return o ? { ...o, planKey: key } : stopChild(d, child, 'cancelled', 'cancelled before it started');
    })();
    runs.set(key, p);
    return p;
  };
  const outcomes = await Promise.all(plan.subtasks.map((s) => run(s.key)));
  const passed = outcomes.filter((o) => o.outcome === 'passed').length;
  const others = outcomes
    .filter((o) => o.outcome !== 'passed')
    .map((o) => `task ${o.id} (${o.planKey}) ${o.outcome}`);
  const reason = `${passed} of ${outcomes.length} subtasks passed${others.length ? `; ${others.join(', ')}` : ''}`;
  const all = passed === outcomes.length;
  const cancelled = !all && signal.aborted;
  const outcome = all ? 'passed' : cancelled ? 'cancelled' : 'failed';
  await appendEvent(repo, parent.id, 'status', { status: outcome, reason, outcome });
  const o = outcomeOf(parent, outcome, reason, {
    tokens: plannerTokens + outcomes.reduce((n, c) => n + c.tokens, 0),
    added: outcomes.reduce((n, c) => n + c.added, 0),
    removed: outcomes.reduce((n, c) => n + c.removed, 0),
    inferenceDown: outcomes.some((c) => c.inferenceDown),
    children: outcomes,
  });
  d.opts.onFinish?.(parent, o);
  return o;
}

/** A child that never ran: its status and why, in its own log. */
async function stopChild(
  d: PlanRunDeps,
  child: TaskRecord,
  outcome: 'blocked' | 'cancelled',
  reason: string,
): Promise<TaskOutcome> {
  await appendEvent(d.opts.repo, child.id, 'status', { status: outcome, reason, outcome });
  const o = outcomeOf(child, outcome, reason);
  d.opts.onFinish?.(child, o);
  return o;
}
