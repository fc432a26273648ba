import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, writeFile, appendFile } from 'node:fs/promises';
import { FactoryError, refuse } from '../errors.js';
import type { Repo } from '../git/repo.js';
import { eventsFile, recordFile, taskDir, tasksDir } from './paths.js';
import { imageLabel, looksLikeImagePart } from '../llm/content.js';

/** What factory knows about a task that git cannot tell by itself. */
export interface TaskRecord {
  id: number;
  title: string;
  description?: string;
  branch: string;
  /** The commit the task started from. */
  base: string;
  /** The ref the user named as base (or the branch checked out then), for display. */
  baseName: string;
  worktree: string;
  createdAt: string;
  /** undefined: the configured check; null: a script task. */
  check?: string | null;
  constraints?: string[];
  /** Per-task limits from a task file or flags, kept so `resume` uses them again. */
  maxAttempts?: number;
  /** Seconds per run of the check. */
  timeout?: number;
  /** The task file's sandbox mode, over the configuration's. */
  sandbox?: 'auto' | 'bwrap' | 'seatbelt' | 'none';
  /** The task asked for the visual check (true) or refused it (false); absent: `visual.paths` decides. */
  visual?: boolean;
  /** What the result must look like, from the task file or the design-spec step; the judge reads it. */
  spec?: string;
  /** The task asked for a planner turn first (`factory task --plan`, `plan: true`). */
  plan?: boolean;
  /** The planner's answer, once it has one (see agent/plan). */
  planned?: PlannedTask;
  /** A plan's parent: its child tasks' ids, in plan order. */
  children?: number[];
  /** A plan's child: its parent's id, and its subtask's key in the plan. */
  parent?: number;
  planKey?: string;
}

/** What the planner decided for a task (stored in the parent's record). */
export interface PlannedTask {
  kind: 'logic' | 'ui' | 'docs' | 'mixed';
  brief: string;
  spec: string | null;
  subtasks: { key: string; title: string; brief: string; files: string[]; after: string[] }[];
  /** The planner's answer did not parse twice: the task ran unsplit with its text as the brief. */
  unsplit?: boolean;
}

export type TaskEvent = { t: string; type: string } & Record<string, unknown>;

export async function writeRecord(repo: Repo, rec: TaskRecord): Promise<void> {
  const file = recordFile(repo, rec.id);
  await mkdir(taskDir(repo, rec.id), { recursive: true });
  // Write-then-rename so a reader (or a crash) never sees half a record.
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(rec, null, 2)}\n`);
  await rename(tmp, file);
}

export async function readRecord(repo: Repo, id: number): Promise<TaskRecord> {
  let raw: string;
  try {
    raw = await readFile(recordFile(repo, id), 'utf8');
  } catch {
    throw refuse(`no task ${id} in this repository`, 'see `factory list` for the tasks there are');
  }
  try {
    return JSON.parse(raw) as TaskRecord;
  } catch (e) {
    throw new FactoryError(
      `the record of task ${id} is damaged (${recordFile(repo, id)}): ${(e as Error).message}`,
      {
        hint: '`factory prune` removes records that cannot be used',
      },
    );
  }
}

export async function taskIds(repo: Repo): Promise<number[]> {
  const names = await readdir(tasksDir(repo)).catch(() => [] as string[]);
  return names
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

/** Largest one event may be in the log; a longer one has its longest texts cut in the middle. */
export const MAX_EVENT_CHARS = 512 * 1024;
/** Lines longer than this (only an older factory wrote them) are skipped when reading. */
const MAX_READ_LINE_BYTES = 4 * MAX_EVENT_CHARS;

/** `text` within `max` characters: its start and end with a marker saying how much was cut. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = Math.floor(max / 3);
  const tail = max - head;
  return `${text.slice(0, head)}\n… [factory: ${text.length - head - tail} characters cut] …\n${text.slice(-tail)}`;
}

/**
 * The event with every image part (a screenshot sent to the describer) replaced by a text part
 * naming it, `[image 1280x800 png, 12 KiB]`: the log never holds an image's bytes or base64.
 */
export function redactImages(value: unknown): unknown {
  if (looksLikeImagePart(value)) return { type: 'text', text: imageLabel(value) };
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (Array.isArray(value)) return value.map(redactImages);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactImages(v)]));
  return value;
}

function clipAll(value: unknown, max: number): unknown {
  if (typeof value === 'string') return clip(value, max);
  if (Array.isArray(value)) return value.map((v) => clipAll(v, max));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clipAll(v, max)]));
  return value;
}

/**
 * One event as a log line within MAX_EVENT_CHARS: texts (a model's reply, a prompt, a check's
 * output) are cut ever shorter until the line fits, so the log grows by a bounded amount per event.
 */
export function eventLine(event: TaskEvent): string {
  const ev = redactImages(event) as TaskEvent;
  let line = JSON.stringify(ev);
  for (let max = MAX_EVENT_CHARS / 2; line.length > MAX_EVENT_CHARS && max >= 256; max = Math.floor(max / 4))
    line = JSON.stringify(clipAll(ev, max));
  if (line.length > MAX_EVENT_CHARS)
    line = JSON.stringify({ t: ev.t, type: ev.type, oversized: line.length });
  return line;
}

/** Appends one event; a single small append is atomic enough for concurrent writers. */
export async function appendEvent(
  repo: Repo,
  id: number,
  type: string,
  data: Record<string, unknown> = {},
): Promise<void> {
  const ev: TaskEvent = { t: new Date().toISOString(), type, ...data };
  await appendFile(eventsFile(repo, id), `${eventLine(ev)}\n`);
}

/**
 * The event log, read as a stream: memory stays bounded by the longest line kept, whatever the
 * file's size. A line too long to be one of ours is skipped and stands as an `oversized` event.
 */
export async function readEvents(repo: Repo, id: number): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  const take = (line: string) => {
    if (!line.trim()) return;
    try {
      events.push(JSON.parse(line) as TaskEvent);
    } catch {
      // A torn last line after a crash: everything before it is still good.
    }
  };
  let parts: Buffer[] = [];
  let size = 0;
  /** Bytes of a line being skipped, or -1 when none is. */
  let skipping = -1;
  const endLine = () => {
    if (skipping >= 0) events.push({ t: '', type: 'oversized', bytes: skipping });
    else take(Buffer.concat(parts).toString('utf8'));
    parts = [];
    size = 0;
    skipping = -1;
  };
  try {
    for await (const chunk of createReadStream(eventsFile(repo, id), { highWaterMark: 256 * 1024 })) {
      let buf = chunk as Buffer;
      for (let nl = buf.indexOf(10); ; nl = buf.indexOf(10)) {
        const piece = nl < 0 ? buf : buf.subarray(0, nl);
        if (skipping >= 0) skipping += piece.length;
        else if (size + piece.length > MAX_READ_LINE_BYTES) {
          skipping = size + piece.length;
          parts = [];
        } else {
          parts.push(piece);
          size += piece.length;
        }
        if (nl < 0) break;
        endLine();
        buf = buf.subarray(nl + 1);
      }
    }
  } catch {
    // No log yet (or unreadable): no events.
  }
  endLine();
  return events;
}
