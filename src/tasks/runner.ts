import type { Repo } from '../git/repo.js';
import type { Config } from '../config/schema.js';
import { queuedChat, type Inference } from '../llm/inference.js';
import { LlmError } from '../llm/errors.js';
import { runLoop, type LoopEvent, type LoopSettings, type LoopStart, type Outcome } from '../agent/loop.js';
import { runCheck } from '../agent/executor.js';
import type { Prompts } from '../agent/prompts/index.js';
import type { TaskSpec } from '../agent/types.js';
import { createTask, type CreateTaskRequest } from './create.js';
import { Slots } from './slots.js';
import { childInput, runPlanned } from './plan-run.js';
import { TaskWorkspace } from './workspace.js';
import { appendEvent, readEvents, type TaskRecord } from './record.js';
import { resumableTask } from './resumable.js';
import type { TaskStatus } from './status.js';
import type { TaskInput } from './task-file.js';
import { lineCounts } from './summary.js';
import { watchCancel } from './cancel.js';
import { coderStreamWriter } from './coder-stream.js';
import { SandboxPlans } from './sandbox-plans.js';
import { describePlan, type SandboxPlan } from '../agent/os-sandbox/index.js';
import { closeInterruptedAttempt } from './interrupted.js';
import { rebaseTask } from './rebase.js';
import { serverContextLimit } from '../llm/context-size.js';
import { checkContextFits } from '../agent/context/fits.js';
import { ToolFallback } from '../agent/tool-fallback.js';
import { refuseVisualWithoutBrowser, visualDeps } from './visual-deps.js';

/** One switch to text edits per run (per runner options), shared by all of its tasks. */
const fallbacks = new WeakMap<RunnerOptions, ToolFallback>();
function toolFallbackOf(opts: RunnerOptions): ToolFallback {
  let f = fallbacks.get(opts);
  if (!f) fallbacks.set(opts, (f = new ToolFallback(opts.onNotice)));
  return f;
}

export interface RunnerOptions {
  repo: Repo;
  config: Config;
  inference: Inference;
  prompts: Prompts;
  signal: AbortSignal;
  /** Every loop event, tagged with its task, for live views and progress lines. */
  onEvent?: (task: TaskRecord, e: LoopEvent) => void;
  onCoderText?: (task: TaskRecord, delta: string) => void;
  onStart?: (task: TaskRecord) => void;
  /** A task of `runTasks` exists (its worktree and branch are made); it may wait for a worker. */
  onCreated?: (task: TaskRecord) => void;
  /** A task's run ended and its outcome is logged. */
  onFinish?: (task: TaskRecord, outcome: TaskOutcome) => void;
  /** One-line notices of the run, e.g. that it runs without an OS sandbox. */
  onNotice?: (line: string) => void;
  /**
   * Starts the describer's own server (`visual.describer.command`) when none runs, once per
   * process; asked by a visual check before it looks. Its notices go to `notice`.
   */
  startDescriber?: (notice: (line: string) => void) => Promise<void>;
}

export interface TaskOutcome {
  id: number;
  title: string;
  branch: string;
  /** `blocked`: a plan's child that never ran because a child it waits for did not pass. */
  outcome: Outcome | 'error' | 'blocked';
  attempts: number;
  reason: string;
  tokens: number;
  added: number;
  removed: number;
  /** The inference server could not be reached (exit code 3). */
  inferenceDown: boolean;
  /** A plan's child: its subtask's key. */
  planKey?: string;
  /** A plan's parent that was split: its children's outcomes, in plan order. */
  children?: TaskOutcome[];
}

/** Loop settings for a task: its own limits first, then the configuration. */
export function loopSettings(config: Config, rec: TaskRecord, extraAttempts?: number): LoopSettings {
  const a = config.agent;
  return {
    maxAttempts: extraAttempts ?? rec.maxAttempts ?? a.maxAttempts,
    executionTimeoutMs: (rec.timeout ?? a.executionTimeout) * 1000,
    llmTimeoutMs: a.llmTimeout * 1000,
    // Never shorter than llmTimeout: a config that raised it for slow prompts keeps working.
    firstTokenTimeoutMs: Math.max(a.firstTokenTimeout, a.llmTimeout) * 1000,
    maxTokensPerTurn: a.maxTokensPerTurn,
    totalTokenBudget: a.totalTokenBudget,
    stagnationThreshold: a.stagnationThreshold,
    temperature: a.temperature,
    tools: a.tools,
    allowRunCommand: a.runCommand,
    check: rec.check === undefined ? config.check : rec.check,
  };
}

function specOf(
  rec: Pick<TaskRecord, 'title' | 'description' | 'constraints' | 'planned'>,
  check: string | null,
): TaskSpec {
  return {
    title: rec.title,
    // A planned task runs with the planner's brief; its own description stays in the record.
    description: rec.planned?.brief ?? rec.description ?? rec.title,
    constraints: rec.constraints ?? [],
    mode: check ? 'repo' : 'script',
  };
}

/** One vocabulary for how a run ended, shared by the task summary, the event log and `list`. */
export const STATUS: Record<TaskOutcome['outcome'], TaskStatus> = {
  passed: 'passed',
  failed: 'failed',
  stagnated: 'stagnated',
  budget: 'failed',
  cancelled: 'cancelled',
  error: 'failed',
  blocked: 'blocked',
};

/** Runs the loop on an existing task and records everything in its event log. */
async function drive(
  rec: TaskRecord,
  opts: RunnerOptions,
  settings: LoopSettings,
  start: LoopStart,
  sandbox: SandboxPlan,
  prepare?: (ws: TaskWorkspace) => Promise<Partial<LoopStart>>,
  /** What cancels this run besides `factory cancel` (a plan's child: its parent's cancellation). */
  signal: AbortSignal = opts.signal,
): Promise<TaskOutcome> {
  const { repo } = opts;
  const ws = await TaskWorkspace.open(repo, rec.id, opts.config.worktree);
  try {
    // A run killed mid-attempt: record that attempt before this run starts the next one.
    await closeInterruptedAttempt(ws, await readEvents(repo, rec.id));
    // Before the loop and outside its error handling, so a refusal reaches the user as one.
    if (prepare) start = { ...start, ...(await prepare(ws)) };
  } catch (e) {
    await ws.close();
    throw e;
  }
  // The workspace's record is the one kept up to date (a rebase moves the base).
  rec = ws.record;
  // A spec from the task file, or one the model wrote in an earlier run, is not asked for again.
  if (rec.spec !== undefined && start.spec === undefined) start = { ...start, spec: rec.spec };
  const key = `task-${rec.id}`;
  let result: { outcome: Outcome | 'error'; attempts: number; reason: string; tokens: number };
  let inferenceDown = false;
  let written: Promise<void> = Promise.resolve();
  let total = 0;
  const cancel = watchCancel(repo, rec.id, signal);
  const stream = coderStreamWriter(repo, rec.id);
  const notice = (line: string) => {
    opts.onNotice?.(`task ${rec.id}: ${line}`);
    written = written.then(() => appendEvent(repo, rec.id, 'notice', { text: line }));
  };
  try {
    await appendEvent(repo, rec.id, 'status', { status: 'running' });
    // What `factory show` reports: the sandbox this run really used, not the one configured.
    await appendEvent(repo, rec.id, 'sandbox', {
      kind: sandbox.kind,
      network: sandbox.network,
      summary: describePlan(sandbox),
      ...(sandbox.notice ? { notice: sandbox.notice } : {}),
    });
    opts.onStart?.(rec);
    result = await runLoop(
      specOf(rec, settings.check),
      {
        workspace: {
          worktree: ws.worktree,
          nextAttempt: () => ws.nextAttempt(),
          commitStep: (r) => ws.commitStep(r),
          // The workspace logs the attempt itself; let the events before it land first.
          commitAttempt: async (r) => {
            await written.catch(() => undefined);
            return ws.commitAttempt(r);
          },
          diffSince: (from) => ws.diffSince(from),
          changedPaths: (from) => ws.changedPaths(from),
          tip: () => ws.tip(),
          base: () => ws.base(),
        },
        visual: visualDeps({
          repo,
          record: rec,
          worktree: ws.worktree,
          config: opts.config,
          inference: opts.inference,
          prompts: opts.prompts,
          key,
          sandbox,
          trackGroup: (pid) => ws.trackGroup(pid),
          clocks: { firstTokenMs: settings.firstTokenTimeoutMs, idleTimeoutMs: settings.llmTimeoutMs },
          onNotice: notice,
          startDescriber: opts.startDescriber && (() => opts.startDescriber!(notice)),
        }),
        prompts: opts.prompts,
        toolFallback: toolFallbackOf(opts),
        chat: (req, o) =>
          queuedChat(opts.inference, key, req, {
            signal: o.signal,
            callbacks: o.callbacks,
            idleTimeoutMs: o.idleTimeoutMs,
            firstTokenMs: o.firstTokenMs,
          }),
        // The run lock lists the check's process group while it runs: if this process is
        // killed, whoever takes the task next stops what it left (recover.ts).
        runCheck: async (command, o) => {
          let untrack: (() => void) | undefined;
          try {
            return await runCheck(command, {
              ...o,
              sandbox,
              onSpawn: (pid) => (untrack = ws.trackGroup(pid)),
            });
          } finally {
            untrack?.();
          }
        },
      },
      settings,
      cancel.signal,
      {
        onEvent: (e) => {
          if (e.type === 'phase' && e.phase === 'coder') stream.reset();
          opts.onEvent?.(rec, e);
          // Appends are chained so the transcript keeps the order things happened in. The
          // attempt itself is logged by the workspace, with the files the size guard left out.
          if (e.type === 'attempt') return;
          written = written.then(() =>
            appendEvent(
              repo,
              rec.id,
              e.type,
              e.type === 'phase' ? { phase: e.phase, attempt: e.attempt } : { ...e },
            ),
          );
        },
        onCoderText: (d) => {
          stream.write(d);
          opts.onCoderText?.(rec, d);
        },
        onNotice: notice,
      },
      start,
    );
  } catch (e) {
    inferenceDown = e instanceof LlmError && (e.kind === 'connection' || e.kind === 'loading');
    const message = e instanceof LlmError ? e.describe() : (e as Error).message;
    result = { outcome: 'error', attempts: 0, reason: message, tokens: 0 };
  } finally {
    await cancel.stop();
    await stream.close();
    await written.catch(() => undefined);
    // The task's attempts in all, counting earlier runs when this one was a resume.
    total = (await ws.history().catch(() => null))?.attempts.length ?? 0;
    await ws.close();
  }
  result.attempts = Math.max(result.attempts, total);
  await appendEvent(repo, rec.id, 'status', {
    status: STATUS[result.outcome],
    reason: result.reason,
    outcome: result.outcome,
  });
  const outcome: TaskOutcome = {
    id: rec.id,
    title: rec.title,
    branch: rec.branch,
    ...result,
    ...(await lineCounts(repo, rec)),
    inferenceDown,
  };
  opts.onFinish?.(rec, outcome);
  return outcome;
}

/** Creates and runs tasks, at most `parallel` at a time; all model calls share one queue. */
export async function runTasks(
  inputs: TaskInput[],
  opts: RunnerOptions,
  parallel: number,
): Promise<TaskOutcome[]> {
  const results: TaskOutcome[] = new Array(inputs.length);
  refuseVisualWithoutBrowser(inputs, opts.config);
  const plans = new SandboxPlans(opts.config, opts.repo.root, opts.onNotice);
  for (const input of inputs) {
    plans.get(input.sandbox, 'check');
    if (opts.config.worktree.setup) plans.get(input.sandbox, 'setup');
  }
  // Before any task exists: a context too small for even the task itself is refused here.
  const context = await serverContextLimit(opts.config.server);
  for (const input of inputs) {
    const check = input.check === undefined ? opts.config.check : input.check;
    checkContextFits(
      context,
      specOf({ title: input.title, description: input.description, constraints: input.constraints }, check),
      opts.prompts,
      opts.config.agent,
    );
  }
  // Tasks are created one after another, in the order given, so ids follow that order; each
  // starts as soon as it exists and a slot is free (a plan's children share the same slots).
  const slots = new Slots(Math.max(1, parallel));
  let chain: Promise<unknown> = Promise.resolve();
  const created = inputs.map((input) => {
    const p = chain.then(() =>
      opts.signal.aborted
        ? null
        : createTask(opts.repo, opts.config.worktree, {
            ...requestOf(input),
            setupSandbox: plans.get(input.sandbox, 'setup'),
          }).then((made) => {
            opts.onCreated?.(made.record);
            return made;
          }),
    );
    chain = p.catch(() => undefined);
    return p;
  });
  for (const p of created) p.catch(() => undefined);
  const driveIn = (rec: TaskRecord, signal: AbortSignal) => {
    const settings = { ...loopSettings(opts.config, rec), context };
    // The same options object for every task: the run's switch to text edits is kept per options.
    return drive(rec, opts, settings, {}, plans.get(rec.sandbox, 'check'), undefined, signal);
  };
  const runOne = async (i: number): Promise<void> => {
    const made = await created[i]!;
    if (!made) return;
    const rec = made.record;
    if (rec.plan) {
      results[i] = await runPlanned(rec, {
        opts,
        settings: { ...loopSettings(opts.config, rec), context },
        task: {
          ...specOf(rec, rec.check === undefined ? opts.config.check : rec.check),
          ...(rec.spec ? { designSpec: rec.spec } : {}),
        },
        slots,
        drive: driveIn,
        createChild: async (parent, s) => {
          const child = await createTask(opts.repo, opts.config.worktree, {
            ...requestOf(childInput(parent, s)),
            base: parent.base,
            parent: parent.id,
            planKey: s.key,
            setupSandbox: plans.get(parent.sandbox, 'setup'),
          });
          opts.onCreated?.(child.record);
          return child.record;
        },
      });
      return;
    }
    const outcome = await slots.run(async () => (opts.signal.aborted ? null : driveIn(rec, opts.signal)));
    if (outcome) results[i] = outcome;
  };
  await Promise.all(inputs.map((_, i) => runOne(i)));
  return results.filter(Boolean);
}

/** What createTask is asked for a task as the user gave it. */
function requestOf(input: Omit<TaskInput, 'source'>): CreateTaskRequest {
  return {
    title: input.title,
    description: input.description,
    base: input.base,
    ...(input.check !== undefined ? { check: input.check } : {}),
    constraints: input.constraints,
    maxAttempts: input.maxAttempts,
    timeout: input.timeout,
    ...(input.sandbox !== undefined ? { sandbox: input.sandbox } : {}),
    ...(input.visual !== undefined ? { visual: input.visual } : {}),
    ...(input.spec !== undefined ? { spec: input.spec } : {}),
    ...(input.plan ? { plan: true } : {}),
  };
}

/**
 * Continues a stopped task with more attempts, taking the user's feedback and the last check and
 * Sheriff report into the next Coder turn.
 */
export async function resumeTask(
  id: number,
  resume: { feedback?: string; attempts?: number; rebase?: boolean },
  opts: RunnerOptions,
): Promise<TaskOutcome> {
  const { rec, events } = await resumableTask(opts.repo, id, resume.rebase);
  refuseVisualWithoutBrowser([rec], opts.config);
  // Before anything is written: a sandbox named explicitly that cannot run here is refused.
  const sandbox = new SandboxPlans(opts.config, opts.repo.root, opts.onNotice).get(rec.sandbox, 'check');
  const lastCheck = [...events].reverse().find((e) => e.type === 'check');
  const lastVerdict = [...events].reverse().find((e) => e.type === 'verdict');
  const start: LoopStart = {
    ...(resume.feedback ? { feedback: resume.feedback } : {}),
    ...(lastCheck
      ? {
          lastCheck: {
            command: String(lastCheck.command),
            exitCode: (lastCheck.exitCode as number | null) ?? null,
            output: String(lastCheck.output ?? ''),
          },
        }
      : {}),
    sheriff: (lastVerdict?.sheriff as LoopStart['sheriff']) ?? null,
  };
  // Before anything is written: a context too small for the task is refused.
  const context = await serverContextLimit(opts.config.server);
  const check = rec.check === undefined ? opts.config.check : rec.check;
  checkContextFits(context, specOf(rec, check), opts.prompts, opts.config.agent);
  if (resume.feedback) await appendEvent(opts.repo, id, 'feedback', { text: resume.feedback });
  const settings = { ...loopSettings(opts.config, rec, resume.attempts), context };
  const rebase = resume.rebase
    ? async (ws: TaskWorkspace): Promise<Partial<LoopStart>> => {
        const problems = await rebaseTask(opts.repo, ws);
        return problems ? { problems } : {};
      }
    : undefined;
  return drive(rec, opts, settings, start, sandbox, rebase);
}

export function exitCodeFor(outcomes: TaskOutcome[]): number {
  if (outcomes.some((o) => o.inferenceDown)) return 3;
  return outcomes.every((o) => o.outcome === 'passed') ? 0 : 1;
}
