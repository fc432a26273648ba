import type { ChatMessage, ChatRequest, ChatResponse, StreamCallbacks, ToolCall } from '../llm/types.js';
import type { ExecResult, SheriffReport, TaskSpec, ToolResult, VisualLook } from './types.js';
import { buildCoderMessages } from './context/coder.js';
import type { Prompts } from './prompts/index.js';
import { createFileTools } from './tools/index.js';
import { StagnationGuard } from './stagnation.js';
import { TokenBudget } from './tokens.js';
import type { ContextLimit } from '../llm/context-size.js';
import { ContextWindow } from './context/window.js';
import { coderTurn } from './phases/coder-turn.js';
import { applyReply } from './phases/apply-reply.js';
import { judge } from './phases/judge.js';
import { checkPhase, type LastCheck } from './phases/check.js';
import { guards } from './phases/guards.js';
import { Cancelled } from './cancelled.js';
import { askSpec, type VisualDeps } from './phases/visual.js';
import { visualProblem } from './context/visual.js';
import type { ToolFallback } from './tool-fallback.js';
import { LlmError } from '../llm/errors.js';
import type { Plan } from './plan.js';

/** What the loop needs from the git engine for one task (tasks/workspace.ts provides it). */
export interface LoopWorkspace {
  readonly worktree: string;
  nextAttempt(): Promise<number>;
  commitStep(req: { attempt: number; step: number; tool: string; paths: string[] }): Promise<string | null>;
  commitAttempt(req: {
    attempt: number;
    checkExit: number | null;
    verdict: 'PASS' | 'FAIL' | 'NONE';
    durationMs: number;
    outcome: string;
  }): Promise<{ commit: string }>;
  /** The diff of the worktree's branch since `from` (a commit). */
  diffSince(from: string): Promise<string>;
  tip(): string;
  /** The commit the task's whole change is measured from (moves when a resume rebases it). */
  base(): string;
  /** The paths the branch changed since `from`, relative to the worktree. */
  changedPaths(from: string): Promise<string[]>;
}

export interface LoopSettings {
  maxAttempts: number;
  executionTimeoutMs: number;
  /** The idle clock of a model request (agent.llmTimeout). */
  llmTimeoutMs: number;
  /** The first-token clock of a model request for a short prompt (agent.firstTokenTimeout). */
  firstTokenTimeoutMs?: number;
  maxTokensPerTurn: number;
  totalTokenBudget: number;
  stagnationThreshold: number;
  temperature: number;
  tools: 'auto' | 'native' | 'text';
  /** null: a script task; the Coder's script is what runs. */
  check: string | null;
  allowRunCommand?: boolean;
  /** Tool-call rounds the Coder may take within one attempt. */
  maxToolRounds?: number;
  /** The model's context window as the server reported it; absent: budgets from maxTokensPerTurn. */
  context?: ContextLimit | null;
}

export type Phase = 'plan' | 'spec' | 'coder' | 'edits' | 'check' | 'visual' | 'sheriff' | 'commit';

/**
 * Who a model request is for: the Coder, the Sheriff, the Coder model writing a design spec, or
 * the planner of `factory task --plan` (its turn runs before the loop, see tasks/plan-run.ts).
 */
export type Role = 'coder' | 'sheriff' | 'spec' | 'planner';

export type LoopEvent =
  | { type: 'phase'; attempt: number; phase: Phase }
  | { type: 'prompt'; attempt: number; role: Role; messages: ChatMessage[] }
  | {
      type: 'reply';
      attempt: number;
      role: Role;
      content: string;
      reasoning: string;
      toolCalls: ToolCall[];
      usage: ChatResponse['usage'];
      finishReason: string | null;
      /** Where the request's time went (queue, first token, generation), when the client measured it. */
      timing?: ChatResponse['timing'];
    }
  | {
      type: 'edit';
      attempt: number;
      step: number;
      tool: string;
      paths: string[];
      ok: boolean;
      output: string;
      commit: string | null;
    }
  | {
      type: 'check';
      attempt: number;
      command: string;
      exitCode: number | null;
      timedOut: boolean;
      durationMs: number;
      output: string;
      truncatedBytes: number;
    }
  | {
      type: 'verdict';
      attempt: number;
      verdict: 'PASS' | 'FAIL' | 'NONE';
      passed: boolean;
      reason: string;
      sheriff: SheriffReport | null;
    }
  | { type: 'attempt'; attempt: number; outcome: string; commit: string; durationMs: number }
  /** The design spec a visual task is judged against: the user's (task file) or the Coder model's. */
  | { type: 'spec'; attempt: number; spec: string; source: 'user' | 'model' }
  /**
   * An attempt's visual check (after a passing check): where its screenshots and visual.json are,
   * what the describer said per viewport, and the browser's errors. `error`: it could not look
   * (the app did not start, the capture failed), said to the next attempt as its problem.
   */
  | ({ type: 'visual'; attempt: number } & VisualLook)
  /** The planner's answer as the run uses it (attempt 0: before any attempt); `error`: why it fell back. */
  | { type: 'plan'; attempt: number; plan: Plan & { unsplit?: true }; tries: number; error?: string }
  /** Something the run changed about how it works (e.g. text edits instead of tool calls). */
  | { type: 'notice'; attempt: number; text: string }
  /** A model request failed after the model had written something: that text, and why. */
  | {
      type: 'failed-reply';
      attempt: number;
      role: Role;
      content: string;
      reasoning: string;
      error: string;
    };

export interface LoopCallbacks {
  onEvent?: (e: LoopEvent) => void;
  onCoderText?: (delta: string) => void;
  /** One-line notices for the user (a prompt shrunk to fit the context, a model that only thought). */
  onNotice?: (line: string) => void;
}

export interface LoopDeps {
  workspace: LoopWorkspace;
  prompts: Prompts;
  /** One model call of this task, through the shared queue. */
  chat: (
    req: ChatRequest,
    opts: { signal: AbortSignal; callbacks?: StreamCallbacks; idleTimeoutMs: number; firstTokenMs?: number },
  ) => Promise<ChatResponse>;
  runCheck: (
    command: string,
    opts: { cwd: string; timeoutMs: number; signal: AbortSignal },
  ) => Promise<ExecResult>;
  /** With agent.tools "auto": the run's switch to text edits, shared by its tasks. */
  toolFallback?: ToolFallback;
  /** The visual check; absent when the repository has none configured. */
  visual?: VisualDeps;
}

export type Outcome = 'passed' | 'failed' | 'stagnated' | 'budget' | 'cancelled';

export interface LoopResult {
  outcome: Outcome;
  attempts: number;
  reason: string;
  tokens: number;
}

export interface LoopStart {
  /** Feedback from the user (resume), given to the first Coder turn. */
  feedback?: string;
  /** The Sheriff's report and check of an earlier run, when resuming. */
  lastCheck?: LastCheck;
  sheriff?: SheriffReport | null;
  /** What the first Coder turn must fix that no reply of its own caused (resume --rebase). */
  problems?: string[];
  /** The design spec already settled (the task file's, or one the model wrote in an earlier run). */
  spec?: string;
}

/** The name the review and the event log were first written against. */
export type { VisualViewport as VisualViewportEvent } from './types.js';

/** The log's record of one model reply; the planner's turn (tasks/plan-run.ts) logs its replies so too. */
export function replyEvent(attempt: number, role: Role, r: ChatResponse): LoopEvent {
  return {
    type: 'reply',
    attempt,
    role,
    content: r.content,
    reasoning: r.reasoning,
    toolCalls: r.toolCalls,
    usage: r.usage,
    finishReason: r.finishReason,
    ...(r.timing ? { timing: r.timing } : {}),
  };
}

/**
 * The Coder -> execute -> Sheriff loop of one task. The orchestrator does everything mechanical:
 * it applies the edits (one step commit each), runs the check itself, and lets the check's exit
 * code gate the Sheriff's verdict. Each attempt starts the Coder from a fresh, small context.
 */
export async function runLoop(
  task: TaskSpec,
  deps: LoopDeps,
  settings: LoopSettings,
  signal: AbortSignal,
  cb: LoopCallbacks = {},
  start: LoopStart = {},
): Promise<LoopResult> {
  const emit = (e: LoopEvent) => cb.onEvent?.(e);
  const budget = new TokenBudget(settings.totalTokenBudget);
  const stagnation = new StagnationGuard(settings.stagnationThreshold);
  const ws = deps.workspace;
  // Every prompt and max_tokens is fitted to the server's context (fitted-turn.ts).
  const window = new ContextWindow(settings.maxTokensPerTurn, settings.context ?? null);
  const say = (line: string) => cb.onNotice?.(line);
  const tools = createFileTools(ws.worktree, {
    allowRunCommand: settings.allowRunCommand ?? false,
    // Same executor, limits and scrubbed environment as the check.
    runCommand: async (command) => {
      const r = await deps.runCheck(command, {
        cwd: ws.worktree,
        timeoutMs: settings.executionTimeoutMs,
        signal,
      });
      return { exitCode: r.exitCode, output: r.output };
    },
  });
  let lastCheck = start.lastCheck;
  let sheriff = start.sheriff ?? null;
  let feedback = start.feedback;
  let problems: string[] = [...(start.problems ?? [])];
  const changed = new Set<string>();
  let attempts = 0;
  let spec = start.spec?.trim() || undefined;
  const taskNow = (): TaskSpec => (spec ? { ...task, designSpec: spec } : task);

  const call = async (role: Role, attempt: number, req: ChatRequest, stream?: StreamCallbacks) => {
    if (signal.aborted) throw new Cancelled();
    emit({ type: 'prompt', attempt, role, messages: req.messages });
    let r: ChatResponse;
    try {
      r = await deps.chat(req, {
        signal,
        callbacks: stream,
        idleTimeoutMs: settings.llmTimeoutMs,
        firstTokenMs: settings.firstTokenTimeoutMs,
      });
    } catch (e) {
      if (signal.aborted) throw new Cancelled();
      // What streamed before a mid-answer failure stays in the transcript.
      if (e instanceof LlmError && e.partial && (e.partial.content || e.partial.reasoning)) {
        emit({ type: 'failed-reply', attempt, role, ...e.partial, error: e.describe() });
      }
      throw e;
    }
    budget.add(r.usage);
    emit(replyEvent(attempt, role, r));
    return r;
  };

  /** The design spec, asked of the Coder model once per task and kept in its record. */
  const ensureSpec = async (attempt: number): Promise<string | undefined> => {
    const v = deps.visual!;
    emit({ type: 'phase', attempt, phase: 'spec' });
    const text = await askSpec(
      window,
      task,
      v.viewports,
      deps.prompts,
      settings.temperature,
      (req) => call('spec', attempt, req),
      say,
    );
    if (!text) {
      say('the model wrote no design spec; the visual check is judged against the task alone');
      return undefined;
    }
    emit({ type: 'spec', attempt, spec: text, source: 'model' });
    await v.saveSpec(text);
    return text;
  };

  for (let i = 0; i < settings.maxAttempts; i++) {
    const attempt = await ws.nextAttempt();
    attempts++;
    const startedAt = Date.now();
    const before = ws.tip();
    let step = 0;
    const record = async (tool: string, result: ToolResult) => {
      let commit: string | null = null;
      if (result.changed.length) {
        commit = await ws.commitStep({ attempt, step: step + 1, tool, paths: result.changed });
        if (commit) step++;
        for (const p of result.changed) changed.add(p);
      }
      emit({
        type: 'edit',
        attempt,
        step,
        tool,
        paths: result.changed,
        ok: result.ok,
        output: result.output,
        commit,
      });
    };
    const finish = async (outcome: string, checkExit: number | null, verdict: 'PASS' | 'FAIL' | 'NONE') => {
      emit({ type: 'phase', attempt, phase: 'commit' });
      const durationMs = Date.now() - startedAt;
      const { commit } = await ws.commitAttempt({ attempt, checkExit, verdict, durationMs, outcome });
      emit({ type: 'attempt', attempt, outcome, commit, durationMs });
    };

    try {
      // 0. A visual task's first step: what the result must look like, before any code exists.
      if (deps.visual?.asked && spec === undefined) spec = await ensureSpec(attempt);

      // 1. Coder, then 2. its tool calls round by round; "auto" may fall back to text edits.
      // One coder phase per attempt, even when a fallback asks again (it starts the attempt's events).
      emit({ type: 'phase', attempt, phase: 'coder' });
      const reply = await coderTurn({
        window,
        tools,
        send: (req) => call('coder', attempt, req, { onContent: cb.onCoderText }),
        say,
        record,
        build: (budgetTokens, mode) =>
          buildCoderMessages({
            task: taskNow(),
            repoRoot: ws.worktree,
            prompts: deps.prompts,
            budgetTokens,
            attempt,
            listUntracked: i === 0,
            lastCheck,
            sheriff,
            feedback,
            changedFiles: [...changed],
            tools: mode,
            problems,
          }),
        onAnswer: () => emit({ type: 'phase', attempt, phase: 'edits' }),
        onTextMode: (text) => emit({ type: 'notice', attempt, text }),
        settings,
        fallback: deps.toolFallback,
      });
      feedback = undefined;
      problems = [];
      const applied = await applyReply(reply, {
        mode: task.mode,
        check: settings.check,
        tools,
        record,
        maxTokensPerTurn: settings.maxTokensPerTurn,
      });
      const { command, scriptRefused } = applied;
      problems.push(...applied.problems);

      // 3. Check, run by the orchestrator.
      const checked = await checkPhase({
        attempt,
        command,
        mode: task.mode,
        scriptRefused,
        cwd: ws.worktree,
        timeoutMs: settings.executionTimeoutMs,
        signal,
        run: deps.runCheck,
        emit,
      });
      const { exec } = checked;
      if (checked.lastCheck !== undefined) lastCheck = checked.lastCheck ?? undefined;
      if (checked.problem) problems.push(checked.problem);
      const diff = await ws.diffSince(before);
      // The Sheriff judges the task's whole change: earlier attempts' edits are part of it.
      const wholeDiff = before === ws.base() ? diff : await ws.diffSince(ws.base());

      // 3b. The visual check, after a passing check only: a page that fails its tests is not looked at.
      let look: VisualLook | undefined;
      if (deps.visual && exec && exec.exitCode === 0 && !exec.timedOut) {
        const v = deps.visual;
        if (v.asked || v.applies(await ws.changedPaths(ws.base()))) {
          if (spec === undefined) spec = await ensureSpec(attempt);
          emit({ type: 'phase', attempt, phase: 'visual' });
          look = await v.look(attempt, signal);
          if (signal.aborted) throw new Cancelled();
          if (look.usage) budget.add(look.usage);
          emit({ type: 'visual', attempt, ...look });
        }
      }

      // 4. Sheriff; the check's exit code stays the gate.
      if (!look?.error) emit({ type: 'phase', attempt, phase: 'sheriff' });
      const { report, decision } = await judge({
        window,
        task: taskNow(),
        prompts: deps.prompts,
        temperature: settings.temperature,
        diff,
        wholeDiff,
        exec,
        look,
        hasCheck: settings.check !== null,
        noScript: task.mode === 'script' && !command ? (scriptRefused ? 'refused' : 'none') : undefined,
        send: (req) => call('sheriff', attempt, req),
        say,
        ends: (e) => e instanceof Cancelled,
      });
      emit({
        type: 'verdict',
        attempt,
        verdict: decision.verdict,
        passed: decision.passed,
        reason: decision.reason,
        sheriff: report,
      });
      sheriff = report;
      // What the browser showed goes to the next attempt as its problem (the Sheriff's fix too).
      if (look && !decision.passed) problems.push(visualProblem(look));
      if (decision.passed) {
        await finish('passed', exec?.exitCode ?? null, decision.verdict);
        return { outcome: 'passed', attempts, reason: decision.reason, tokens: budget.used };
      }
      // 5. Guards.
      const stop = guards(stagnation, budget, exec, diff);
      if (stop) {
        await finish(stop.outcome, exec?.exitCode ?? null, decision.verdict);
        return { outcome: stop.outcome, attempts, reason: stop.reason, tokens: budget.used };
      }
      await finish('failed', exec?.exitCode ?? null, decision.verdict);
    } catch (e) {
      if (e instanceof Cancelled || signal.aborted) {
        await finish('cancelled', null, 'NONE');
        return { outcome: 'cancelled', attempts, reason: 'cancelled by the user', tokens: budget.used };
      }
      // The attempt still gets its commit, so what it changed is on record before the error surfaces.
      await finish('error', null, 'NONE').catch(() => undefined);
      throw e;
    }
  }
  return {
    outcome: 'failed',
    attempts,
    reason: `no passing attempt in ${settings.maxAttempts}`,
    tokens: budget.used,
  };
}
