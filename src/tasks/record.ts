import { mkdir, readFile, readdir, rename, writeFile, appendFile } from 'node:fs/promises';
import { FactoryError, refuse } from '../errors.js';
import type { Repo } from '../git/repo.js';
import { eventsFile, recordFile, taskDir, tasksDir } from './paths.js';

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

/** Appends one event; a single small append is atomic enough for concurrent writers. */
export async function appendEvent(
  repo: Repo,
  id: number,
  type: string,
  data: Record<string, unknown> = {},
): Promise<void> {
  const ev: TaskEvent = { t: new Date().toISOString(), type, ...data };
  await appendFile(eventsFile(repo, id), `${JSON.stringify(ev)}\n`);
}

export async function readEvents(repo: Repo, id: number): Promise<TaskEvent[]> {
  const raw = await readFile(eventsFile(repo, id), 'utf8').catch(() => '');
  const events: TaskEvent[] = [];
  for (const line of raw.split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as TaskEvent);
    } catch {
      // A torn last line after a crash: everything before it is still good.
    }
  }
  return events;
}
