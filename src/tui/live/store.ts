import type { LoopEvent } from '../../agent/loop.js';
import type { QueueMetrics } from '../../llm/queue.js';
import { overlaps } from '../../tasks/overlap.js';
import type { TaskOutcome } from '../../tasks/runner.js';
import { appendCapped } from './coder-text.js';
import { applyEnd, applyEvent, applyOutcome, newRow, type TaskRef, type TaskRow } from './rows.js';

export interface LiveSnapshot {
  rows: readonly TaskRow[];
  focusId: number | null;
  /** The focused task's Coder text, current attempt only. */
  text: string;
  notes: readonly string[];
  /** Queue-wide numbers, when metrics came in. */
  queue: { waiting: number; tokensPerSecond: number } | null;
  done: boolean;
  now: number;
}

/** `urgent`: the user is waiting to see it (a key, a notice, the end), so skip the throttle. */
export type Listener = (urgent: boolean) => void;

const NOTES_KEPT = 3;
const TASK_KEY = /^task-(\d+)$/;

/**
 * Everything the live view shows, fed by the runner's callbacks and the metrics poller. It is
 * plain state with listeners, so the runner never waits on rendering.
 */
export class LiveStore {
  private readonly rows = new Map<number, TaskRow>();
  private readonly texts = new Map<number, string>();
  /** The files each task's step commits touched in this run. */
  private readonly touched = new Map<number, Set<string>>();
  private readonly listeners = new Set<Listener>();
  private focusId: number | null = null;
  /** The user chose a task; focus stops following the running ones. */
  private pinned = false;
  private notes: string[] = [];
  private queue: LiveSnapshot['queue'] = null;
  private done = false;

  constructor(private readonly clock: () => number = Date.now) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(task: TaskRef): void {
    this.row(task);
    this.changed(false);
  }

  event(task: TaskRef, e: LoopEvent): void {
    const row = this.row(task);
    // Each attempt starts the Coder from a fresh context; its text starts afresh too.
    if (e.type === 'phase' && e.phase === 'coder') this.texts.set(row.id, '');
    // Only an edit that made a step commit changed the files on the branch.
    if (e.type === 'edit' && e.commit !== null && e.paths.length) {
      const set = this.touched.get(row.id) ?? new Set<string>();
      for (const p of e.paths) set.add(p);
      this.touched.set(row.id, set);
    }
    applyEvent(row, e, this.clock());
    if (row.final) this.refocus();
    this.changed(false);
  }

  /**
   * One task's run ended, the others go on: its outcome settles its row now (after a last failed
   * attempt the events alone do not say that no attempt follows), so it stops counting as running.
   */
  taskFinished(o: TaskOutcome): void {
    const row = this.rows.get(o.id);
    if (!row) return;
    applyOutcome(row, o, this.clock());
    this.refocus();
    this.changed(false);
  }

  coderText(task: TaskRef, delta: string): void {
    const row = this.row(task);
    this.texts.set(row.id, appendCapped(this.texts.get(row.id) ?? '', delta));
    if (row.id === this.focusId) this.changed(false);
  }

  metrics(m: QueueMetrics): void {
    for (const t of m.tasks) {
      const id = Number(TASK_KEY.exec(t.task)?.[1]);
      const row = this.rows.get(id);
      if (!row) continue;
      row.tokensPerSecond = t.tokensPerSecond;
      row.waitMsAvg = t.waitMsAvg;
      row.queued = t.waiting > 0;
    }
    this.queue = { waiting: m.total.waiting, tokensPerSecond: m.total.tokensPerSecond };
    this.changed(false);
  }

  /** Lets the clocks move when nothing else happens. */
  tick(): void {
    this.changed(false);
  }

  note(line: string): void {
    this.notes = [...this.notes, line].slice(-NOTES_KEPT);
    this.changed(true);
  }

  moveFocus(delta: number): void {
    const ids = [...this.rows.keys()];
    if (ids.length === 0) return;
    const at = Math.max(0, ids.indexOf(this.focusId ?? ids[0]!));
    this.focusId = ids[Math.min(ids.length - 1, Math.max(0, at + delta))]!;
    this.pinned = true;
    this.changed(true);
  }

  /** The run is over: outcomes (when it returned any) settle every row. */
  finish(outcomes: readonly TaskOutcome[] = []): void {
    const now = this.clock();
    for (const o of outcomes) {
      const row = this.rows.get(o.id);
      if (row) applyOutcome(row, o, now);
    }
    for (const row of this.rows.values()) applyEnd(row, now);
    this.done = true;
    this.queue = null;
    this.changed(true);
  }

  snapshot(): LiveSnapshot {
    // A finished task will not touch anything more; only the running ones warn each other.
    const shared = overlaps(
      [...this.rows.values()]
        .filter((r) => !r.final && !this.done)
        .map((r) => ({ id: r.id, paths: this.touched.get(r.id) ?? [] })),
    );
    return {
      rows: [...this.rows.values()].map((r) => {
        const o = shared.get(r.id);
        return { ...r, check: r.check && { ...r.check }, ...(o ? { overlap: o } : {}) };
      }),
      focusId: this.focusId,
      text: this.focusId === null ? '' : (this.texts.get(this.focusId) ?? ''),
      notes: this.notes,
      queue: this.queue,
      done: this.done,
      now: this.clock(),
    };
  }

  private row(task: TaskRef): TaskRow {
    let row = this.rows.get(task.id);
    if (!row) {
      row = newRow(task, this.clock());
      this.rows.set(task.id, row);
      if (this.focusId === null || (!this.pinned && this.rows.get(this.focusId)?.final))
        this.focusId = row.id;
    }
    return row;
  }

  /** Until the user picks a task, a finished one hands the focus to one still running. */
  private refocus(): void {
    if (this.pinned || this.focusId === null || !this.rows.get(this.focusId)?.final) return;
    const next = [...this.rows.values()].find((r) => !r.final);
    if (next) this.focusId = next.id;
  }

  private changed(urgent: boolean): void {
    for (const l of [...this.listeners]) l(urgent);
  }
}
