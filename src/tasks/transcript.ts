import { visible } from '../visible.js';
import type { TaskEvent } from './record.js';

/**
 * A task's event log as text, for `factory log` and the review TUI's transcript view: the whole
 * transcript (every prompt, reply, edit, check and verdict), or the short one (one line per reply,
 * edit, check and verdict, no prompts). Model, check and title text is shown, never obeyed.
 */

/** Model, check and title text for the transcript: lines kept, control characters shown. */
const text = (x: unknown) => visible(String(x ?? ''), { multiline: true });
/** The same, where it must stay on one line. */
const one = (x: unknown) => visible(String(x ?? ''));

function indent(t: string, prefix = '  '): string {
  return t
    .split('\n')
    .map((l) => `${prefix}${l}`)
    .join('\n');
}

/** A logged message's content: its text, or its parts' texts (images were logged as their labels). */
const partsText = (content: unknown): unknown =>
  Array.isArray(content)
    ? content.map((p: { text?: unknown }) => (typeof p?.text === 'string' ? p.text : '[image]')).join('\n')
    : content;

const attemptTag = (e: TaskEvent) => (e.attempt !== undefined ? `[${e.attempt}] ` : '');

/** One event of the log as transcript text (several lines), or null for events it leaves out. */
export function transcriptOf(e: TaskEvent): string | null {
  const at = attemptTag(e);
  switch (e.type) {
    case 'created':
      return `created from ${String(e.base).slice(0, 10)} on ${one(e.branch)}`;
    case 'status':
      // A run's start and end: the task's status now is in the header, not in this line.
      return e.status === 'running'
        ? 'run started'
        : `run ended: ${one(e.status)}${e.reason ? ` (${one(e.reason)})` : ''}`;
    case 'feedback':
      return `feedback from you:\n${indent(text(e.text))}`;
    case 'prompt': {
      const messages = (e.messages as { role: string; content: unknown }[]) ?? [];
      return `${at}prompt to the ${one(e.role)}:\n${messages.map((m) => `  --- ${one(m.role)}\n${indent(text(partsText(m.content)), '  ')}`).join('\n')}`;
    }
    case 'reply': {
      const parts = [`${at}${one(e.role)} replied (finish ${one(e.finishReason ?? '-')}):`];
      if (e.reasoning) parts.push(`  (reasoning)\n${indent(text(e.reasoning), '  | ')}`);
      if (e.content) parts.push(indent(text(e.content)));
      const calls = (e.toolCalls as { name: string; arguments: string }[]) ?? [];
      for (const c of calls) parts.push(`  tool call ${one(c.name)} ${one(c.arguments)}`);
      return parts.join('\n');
    }
    case 'failed-reply': {
      const parts = [`${at}${one(e.role)}'s answer failed mid-stream: ${one(e.error)}`];
      if (e.reasoning) parts.push(`  (reasoning so far)\n${indent(text(e.reasoning), '  | ')}`);
      if (e.content) parts.push(`  (text so far)\n${indent(text(e.content))}`);
      return parts.join('\n');
    }
    case 'notice':
      return `${at}note: ${one(e.text)}`;
    case 'edit':
      return `${at}${e.ok ? 'applied' : 'refused'} ${one(e.tool)} ${one((e.paths as string[]).join(', '))}${e.commit ? ` (step ${e.step}, ${String(e.commit).slice(0, 10)})` : ''}${e.ok ? '' : `: ${text(e.output)}`}`;
    case 'check':
      return `${at}check \`${one(e.command)}\`: ${e.timedOut ? 'timed out' : `exit ${e.exitCode}`} in ${e.durationMs} ms\n${indent(text(e.output), '  | ')}`;
    case 'verdict': {
      const s = e.sheriff as { analysis?: string; fix?: string } | null;
      return `${at}verdict ${one(e.verdict)}: ${e.passed ? 'passed' : 'not passed'} (${one(e.reason)})${s?.analysis ? `\n  analysis: ${text(s.analysis)}` : ''}${s?.fix ? `\n  fix: ${text(s.fix)}` : ''}`;
    }
    case 'oversized':
      return `(an event of ${e.bytes} bytes was too large to show)`;
    case 'attempt':
      return `${at}attempt recorded as ${one(e.outcome)} (${String(e.commit).slice(0, 10)}, ${e.durationMs} ms)`;
    case 'spec':
      return `${at}design spec (${one(e.source)}):\n${indent(text(e.spec))}`;
    case 'visual':
      return `${at}${visualHead(e)}${visualBody(e)}`;
    case 'plan':
      return planText(e);
    case 'children':
      return childrenLine(e);
    default:
      return null;
  }
}

interface LoggedPlan {
  kind?: unknown;
  brief?: unknown;
  spec?: unknown;
  unsplit?: unknown;
  subtasks?: { key?: unknown; title?: unknown; brief?: unknown; files?: unknown; after?: unknown }[];
}

const planOf = (e: TaskEvent): LoggedPlan =>
  e.plan && typeof e.plan === 'object' ? (e.plan as LoggedPlan) : {};
const list = (x: unknown) => (Array.isArray(x) ? x.map(one).join(', ') : '');

/** `plan: mixed, 3 subtasks (api, ui, docs)`, or that it fell back to running unsplit. */
function planHead(e: TaskEvent): string {
  const p = planOf(e);
  const subs = p.subtasks ?? [];
  const what = p.unsplit
    ? `no valid plan after ${Number(e.tries)} answers, runs unsplit with the planner's text as its brief`
    : subs.length > 1
      ? `${subs.length} subtasks (${list(subs.map((s) => s.key))})`
      : 'runs as one task with the brief';
  return `plan: ${one(p.kind)}, ${what}`;
}

/** The whole plan: brief, spec, each subtask with its brief, files and `after`, and why it fell back. */
function planText(e: TaskEvent): string {
  const p = planOf(e);
  const lines = [
    planHead(e),
    `  brief:
${indent(text(p.brief), '    ')}`,
  ];
  if (p.spec)
    lines.push(`  spec:
${indent(text(p.spec), '    ')}`);
  for (const s of p.subtasks ?? []) {
    const after = list(s.after);
    const files = list(s.files);
    lines.push(`  subtask ${one(s.key)}: ${one(s.title)}${after ? ` (after ${after})` : ''}`);
    if (files) lines.push(`    files: ${files}`);
    lines.push(indent(text(s.brief), '    '));
  }
  if (e.error) lines.push(`  why the answer was not used:\n${indent(text(e.error), '    ')}`);
  return lines.join('\n');
}

/** `split into tasks 2 (api), 3 (ui)`. */
function childrenLine(e: TaskEvent): string {
  const kids = Array.isArray(e.children) ? (e.children as { id?: unknown; key?: unknown }[]) : [];
  return `split into tasks ${kids.map((c) => `${Number(c.id)} (${one(c.key)})`).join(', ')}`;
}

interface LoggedViewport {
  name?: unknown;
  overflow?: unknown;
  description?: unknown;
  describeError?: unknown;
}

/** A logged visual check, or the loop's event itself: fields read defensively. */
type LoggedLook = { type: string; error?: unknown; viewports?: unknown; errors?: unknown; dir?: unknown };

const viewportsOf = (e: LoggedLook): LoggedViewport[] =>
  Array.isArray(e.viewports) ? (e.viewports as LoggedViewport[]) : [];

/** `visual check: desktop, phone (overflows); 1 browser error`, or why it could not look. */
export function visualHead(e: LoggedLook): string {
  if (e.error) return `visual check could not look: ${firstLine(e.error, 200)}`;
  const sizes = viewportsOf(e)
    .map((v) => `${one(v.name)}${v.overflow === true ? ' (overflows)' : ''}`)
    .join(', ');
  const n = Array.isArray(e.errors) ? e.errors.length : 0;
  return `visual check: ${sizes}; ${n} browser error${n === 1 ? '' : 's'}`;
}

/** The describer's words per viewport and the errors, for the full transcript. */
function visualBody(e: LoggedLook): string {
  const lines = viewportsOf(e).map(
    (v) =>
      `\n  ${one(v.name)}: ${v.description != null ? text(v.description) : `(no description: ${one(v.describeError)})`}`,
  );
  const errors = Array.isArray(e.errors) ? e.errors.map((x) => `\n  | ${one(x)}`) : [];
  return [...lines, ...errors, e.dir ? `\n  screenshots: ${one(e.dir)}` : ''].join('');
}

/** Longest piece of model or check text on a short line. */
const SNIPPET = 100;

/** The first line of `s` with words in it, shortened to `max` characters, control characters shown. */
export function firstLine(s: unknown, max = SNIPPET): string {
  const line =
    String(s ?? '')
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l) ?? '';
  const shown = visible(line.replace(/\s+/g, ' '));
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}

/** `write_file src/a.ts`: a tool call by its name and the path it names, if it names one. */
function callOf(c: { name?: unknown; arguments?: unknown }): string {
  let target = '';
  try {
    const args = JSON.parse(String(c.arguments ?? '')) as Record<string, unknown>;
    const p = args.path ?? args.file ?? args.command;
    if (typeof p === 'string') target = ` ${firstLine(p, 60)}`;
  } catch {
    // Arguments that are not JSON: the name alone says what was called.
  }
  return `${one(c.name)}${target}`;
}

function tokensOf(usage: unknown): string {
  const u = usage as { promptTokens?: number; completionTokens?: number; estimated?: boolean } | undefined;
  if (!u || typeof u.promptTokens !== 'number') return '';
  return `, ${u.promptTokens}+${u.completionTokens ?? 0} tokens${u.estimated ? ' (estimated)' : ''}`;
}

/**
 * One event of the log as one short line, or null for events the short transcript leaves out
 * (prompts, which repeat the same system prompt every turn, and bookkeeping).
 */
export function shortLineOf(e: TaskEvent): string | null {
  const at = attemptTag(e);
  switch (e.type) {
    case 'created':
    case 'oversized':
    case 'attempt':
      return transcriptOf(e);
    case 'status':
      return e.status === 'running'
        ? 'run started'
        : `run ended: ${one(e.status)}${e.reason ? ` (${firstLine(e.reason)})` : ''}`;
    case 'feedback':
      return `feedback from you: ${firstLine(e.text)}`;
    case 'reply': {
      const head = `${at}${one(e.role)} replied (finish ${one(e.finishReason ?? '-')}${tokensOf(e.usage)})`;
      const calls = (e.toolCalls as { name?: unknown; arguments?: unknown }[] | undefined) ?? [];
      if (calls.length) return `${head}: tool calls ${calls.map(callOf).join(', ')}`;
      const said = firstLine(e.content);
      return `${head}: ${said || '(no text)'}`;
    }
    case 'failed-reply':
      return `${at}${one(e.role)}'s answer failed after ${String(e.content ?? '').length} characters: ${firstLine(e.error)}`;
    case 'notice':
      return `${at}note: ${firstLine(e.text, 200)}`;
    case 'edit': {
      const paths = one(((e.paths as string[] | undefined) ?? []).join(', '));
      if (!e.ok) return `${at}refused ${one(e.tool)}${paths ? ` ${paths}` : ''}: ${firstLine(e.output)}`;
      // A tool that changed nothing (a read, a command) is already named in the reply's line.
      if (!e.commit) return null;
      return `${at}step ${e.step}: ${one(e.tool)} ${paths}`;
    }
    case 'check':
      return `${at}check: ${e.timedOut ? 'timed out' : `exit ${e.exitCode}`} in ${e.durationMs} ms`;
    case 'verdict': {
      const s = e.sheriff as { analysis?: string } | null;
      const why = firstLine(s?.analysis || e.reason);
      return `${at}verdict ${one(e.verdict)}: ${e.passed ? 'passed' : 'not passed'}${why ? ` — ${why}` : ''}`;
    }
    case 'spec':
      return `${at}design spec (${one(e.source)}): ${firstLine(e.spec)}`;
    case 'visual':
      return `${at}${visualHead(e)}`;
    case 'plan':
      return planHead(e);
    case 'children':
      return childrenLine(e);
    default:
      return null;
  }
}

/** The transcript lines of a whole log: full (multi-line entries) or short (one line each). */
export function transcriptLines(events: TaskEvent[], opts: { short?: boolean } = {}): string[] {
  const of = opts.short ? shortLineOf : transcriptOf;
  return events.map(of).filter((l): l is string => l !== null);
}
