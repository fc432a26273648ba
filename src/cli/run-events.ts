import type { LoopEvent } from '../agent/loop.js';
import type { TaskRecord } from '../tasks/record.js';
import { STATUS, type RunnerOptions, type TaskOutcome } from '../tasks/runner.js';
import { refuse } from '../errors.js';

/**
 * `factory task --json --events`: the run as newline-delimited JSON on stdout, one object per
 * event as it happens, each with `t` (ISO time), `type` and (except notices) `task`; the last line
 * is the `summary`. Types that are also in the task's event log (`factory log --json`) keep its
 * names and fields: created, reply, edit, check, verdict, attempt. Model and check text is data
 * here, not terminal output: JSON.stringify escapes its control characters.
 */
export type RunEvent = { t: string; type: string } & Record<string, unknown>;

/** Longest check output tail and reply summary an event carries; `factory log` has the rest. */
const TAIL = 2000;
const SUMMARY = 200;

/** Set once the reader of stdout has gone away (`factory task --json --events | head -1`). */
let readerGone = false;

/**
 * A reader that leaves must not crash a run half-way through an attempt: the run goes on to its
 * end (every step is committed as usual) and writes nothing more to stdout.
 */
function watchStdout(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    readerGone = true;
  });
}

export function writeEvent(e: Record<string, unknown> & { type: string }): void {
  if (readerGone) return;
  const { type, ...rest } = e;
  process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), type, ...rest })}\n`);
}

function firstLine(s: string): string {
  const line = s
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l);
  return (line ?? '').slice(0, SUMMARY);
}

function pathOf(args: string): string | undefined {
  try {
    const p = (JSON.parse(args) as Record<string, unknown>).path;
    return typeof p === 'string' ? p : undefined;
  } catch {
    return undefined;
  }
}

/** The stream's events for one loop event (prompts are left out: `factory log` has them). */
export function loopEvents(task: number, e: LoopEvent): (Record<string, unknown> & { type: string })[] {
  const base = { task, attempt: e.attempt };
  switch (e.type) {
    case 'phase':
      return [
        ...(e.phase === 'coder' ? [{ type: 'attempt-started', ...base }] : []),
        { type: 'phase', ...base, phase: e.phase },
      ];
    case 'prompt':
      return [];
    case 'reply':
      return [
        {
          type: 'reply',
          ...base,
          role: e.role,
          finishReason: e.finishReason,
          tokens: {
            prompt: e.usage.promptTokens,
            completion: e.usage.completionTokens,
            estimated: e.usage.estimated,
          },
          summary: firstLine(e.content),
          chars: e.content.length,
          toolCalls: e.toolCalls.map((c) => {
            const path = pathOf(c.arguments);
            return { name: c.name, ...(path !== undefined ? { path } : {}) };
          }),
        },
      ];
    case 'edit':
      return [
        {
          type: 'edit',
          ...base,
          step: e.step,
          tool: e.tool,
          paths: e.paths,
          ok: e.ok,
          commit: e.commit,
          ...(e.ok ? {} : { error: e.output.slice(0, TAIL) }),
        },
      ];
    case 'check':
      return [
        {
          type: 'check',
          ...base,
          command: e.command,
          exitCode: e.exitCode,
          timedOut: e.timedOut,
          durationMs: e.durationMs,
          outputTail: e.output.slice(-TAIL),
          truncatedBytes: e.truncatedBytes,
        },
      ];
    case 'verdict':
      return [
        {
          type: 'verdict',
          ...base,
          verdict: e.verdict,
          passed: e.passed,
          reason: e.reason,
          analysis: e.sheriff?.analysis ?? '',
          fix: e.sheriff?.fix ?? '',
        },
      ];
    case 'attempt':
      return [{ type: 'attempt', ...base, outcome: e.outcome, commit: e.commit, durationMs: e.durationMs }];
    case 'notice':
      return [{ type: 'notice', ...base, text: e.text }];
    case 'failed-reply':
      return [{ type: 'failed-reply', ...base, role: e.role, error: e.error, chars: e.content.length }];
    case 'spec':
      return [{ type: 'spec', ...base, source: e.source, spec: e.spec }];
    case 'plan':
      return [
        { type: 'plan', ...base, plan: e.plan, tries: e.tries, ...(e.error ? { error: e.error } : {}) },
      ];
    case 'visual':
      return [
        {
          type: 'visual',
          ...base,
          dir: e.dir,
          url: e.url,
          durationMs: e.durationMs,
          ...(e.error ? { error: e.error.slice(0, TAIL) } : {}),
          errors: e.errors.length,
          viewports: e.viewports.map((v) => ({
            name: v.name,
            screenshot: v.screenshot,
            overflow: v.overflow,
            described: v.description !== null,
          })),
        },
      ];
  }
}

const taskFields = (r: TaskRecord) => ({ task: r.id, title: r.title, branch: r.branch });

/** The runner's callbacks that write the stream. */
export function eventCallbacks(): Pick<
  RunnerOptions,
  'onEvent' | 'onStart' | 'onCreated' | 'onFinish' | 'onNotice'
> {
  watchStdout();
  return {
    onCreated: (r) => writeEvent({ type: 'created', ...taskFields(r), base: r.base, baseName: r.baseName }),
    onStart: (r) => writeEvent({ type: 'started', ...taskFields(r), worktree: r.worktree }),
    onEvent: (r, e) => {
      for (const ev of loopEvents(r.id, e)) writeEvent(ev);
    },
    onFinish: (r, o) => writeEvent({ type: 'finished', ...outcomeFields(o), task: r.id }),
    onNotice: (line) => {
      // Still on stderr for the person watching; in the stream for the tool reading it.
      process.stderr.write(`${line}\n`);
      writeEvent({ type: 'notice', message: line });
    },
  };
}

function outcomeFields(o: TaskOutcome) {
  const { id, ...rest } = o;
  return { task: id, ...rest, status: STATUS[o.outcome] };
}

/** The stream's last line: every task's outcome (the objects `--json` prints) and the exit code. */
export function writeSummary(outcomes: TaskOutcome[], exitCode: number): void {
  writeEvent({ type: 'summary', tasks: outcomes, exitCode });
}

/**
 * `--events` without `--json` is refused rather than implied: the stream replaces the summary a
 * plain run prints for people, so it is asked for explicitly.
 */
export function checkEventsFlag(o: { json?: boolean; events?: boolean }): void {
  if (o.events && !o.json)
    throw refuse(
      '--events needs --json',
      'e.g. factory task --json --events "…" prints one JSON line per event',
    );
}
