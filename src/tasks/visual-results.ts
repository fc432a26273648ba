/**
 * What the visual check of each attempt found, read back from the task's event log: the last
 * `visual` event of each attempt, with every screenshot checked on disk, and the design spec the
 * task was judged against. Written for `factory show` and the review; it tolerates events of an
 * older factory (fields missing or of another type) and a screenshots folder deleted since.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { TaskEvent, TaskRecord } from './record.js';

export interface VisualViewportResult {
  name: string;
  width: number;
  height: number;
  mobile: boolean;
  /** The screenshot's absolute path (its file name, inside the attempt's folder). */
  file: string;
  /** The screenshot is there to open: false once the folder or the file was deleted. */
  found: boolean;
  /** The describer's words, verbatim; null when it gave none. */
  description: string | null;
  describeError?: string;
  /** The page scrolls sideways at this viewport; null when it could not be measured. */
  overflow: boolean | null;
  /** How many console messages, page errors and failed requests this viewport saw. */
  console: number;
  pageErrors: number;
  network: number;
}

export interface AttemptVisual {
  attempt: number;
  /** The folder holding the screenshots and visual.json. */
  dir: string;
  /** The folder is still there. */
  dirFound: boolean;
  url: string;
  viewports: VisualViewportResult[];
  /** Console errors and warnings, page errors, failed requests: one line each. */
  errors: string[];
  /** It could not look (the app did not start, the capture failed). */
  error?: string;
  durationMs: number;
}

export interface TaskSpec {
  text: string;
  /** Who wrote it: the user (task file), the model (the design-spec step); the record does not say. */
  source: 'user' | 'model' | 'record';
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
const obj = (v: unknown): Record<string, unknown> | null =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

function viewportOf(raw: unknown, dir: string): Omit<VisualViewportResult, 'found'> | null {
  const v = obj(raw);
  if (!v) return null;
  const name = str(v.name);
  // A file name, never a path: a log edited by hand must not point the viewer outside the folder.
  const shot = path.basename(str(v.screenshot) || (name ? `${name}.png` : ''));
  if (!name && !shot) return null;
  return {
    name: name || shot.replace(/\.png$/i, ''),
    width: count(v.width),
    height: count(v.height),
    mobile: v.mobile === true,
    file: shot && dir ? path.join(dir, shot) : '',
    description: typeof v.description === 'string' ? v.description : null,
    ...(typeof v.describeError === 'string' ? { describeError: v.describeError } : {}),
    overflow: typeof v.overflow === 'boolean' ? v.overflow : null,
    console: count(v.console),
    pageErrors: count(v.pageErrors),
    network: count(v.network),
  };
}

/** The last `visual` event of each attempt, oldest attempt first; no file is looked at. */
export function visualEvents(events: TaskEvent[]): Omit<AttemptVisual, 'dirFound'>[] {
  const byAttempt = new Map<number, Omit<AttemptVisual, 'dirFound'>>();
  for (const e of events) {
    if (e.type !== 'visual') continue;
    const attempt = Number(e.attempt);
    if (!Number.isInteger(attempt) || attempt < 1) continue;
    const dir = str(e.dir);
    const viewports = (Array.isArray(e.viewports) ? e.viewports : [])
      .map((v) => viewportOf(v, dir))
      .filter((v) => v !== null);
    byAttempt.set(attempt, {
      attempt,
      dir,
      url: str(e.url),
      viewports: viewports.map((v) => ({ ...v, found: false })),
      errors: (Array.isArray(e.errors) ? e.errors : []).filter((x): x is string => typeof x === 'string'),
      ...(typeof e.error === 'string' && e.error ? { error: e.error } : {}),
      durationMs: count(e.durationMs),
    });
  }
  return [...byAttempt.values()].sort((a, b) => a.attempt - b.attempt);
}

const isFile = (p: string) =>
  p
    ? stat(p).then(
        (s) => s.isFile(),
        () => false,
      )
    : Promise.resolve(false);
const isDir = (p: string) =>
  p
    ? stat(p).then(
        (s) => s.isDirectory(),
        () => false,
      )
    : Promise.resolve(false);

/** Each attempt's visual result, with its screenshots looked for on disk. */
export async function attemptVisuals(events: TaskEvent[]): Promise<AttemptVisual[]> {
  return Promise.all(
    visualEvents(events).map(async (a) => ({
      ...a,
      dirFound: await isDir(a.dir),
      viewports: await Promise.all(a.viewports.map(async (v) => ({ ...v, found: await isFile(v.file) }))),
    })),
  );
}

/** The spec the task is judged against: the last `spec` event's, else the one in the record. */
export function taskSpec(events: TaskEvent[], record: Pick<TaskRecord, 'spec'>): TaskSpec | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type !== 'spec' || typeof e.spec !== 'string' || !e.spec.trim()) continue;
    return { text: e.spec, source: e.source === 'model' ? 'model' : 'user' };
  }
  return record.spec?.trim() ? { text: record.spec, source: 'record' } : null;
}
