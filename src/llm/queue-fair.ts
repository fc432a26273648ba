import { Fifo } from './queue-fifo.js';

/** One task's waiting items at one priority, in arrival order. */
interface Lane<R> {
  readonly owner: TaskLanes<R>;
  readonly items: Fifo<R>;
  /** Whether the lane is in its level's ring; emptied lanes may linger there until popped. */
  inRing: boolean;
}

/** All lanes of one priority, served round-robin. */
interface Level<R> {
  readonly priority: number;
  readonly ring: Fifo<Lane<R>>;
  waiting: number;
}

interface TaskLanes<R> {
  readonly lanes: Map<number, Lane<R>>;
  waiting: number;
}

/**
 * Waiting items, served strictly by priority and round-robin across tasks within a priority:
 * each task keeps a FIFO, and a ring holds the tasks that have something waiting. A task that is
 * served goes to the back of the ring, and a newcomer joins at the back, so between two services
 * of one task every other waiting task is served at most once, however many items each
 * submitted. Every operation but `remove` is O(1) in the number of tasks and items (plus the
 * number of distinct priorities, which is tiny).
 */
export class FairQueue<R> {
  private readonly tasks = new Map<string, TaskLanes<R>>();
  private readonly levels = new Map<number, Level<R>>();
  /** Levels with something waiting, highest priority first. */
  private readonly active: Level<R>[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  waitingOf(task: string): number {
    return this.tasks.get(task)?.waiting ?? 0;
  }

  /** Adds an item at the back of its task's FIFO, or at the front (`front`) for a retry. */
  push(task: string, priority: number, item: R, front = false): void {
    const level = this.level(priority);
    const t = this.taskLanes(task);
    let lane = t.lanes.get(priority);
    if (!lane) {
      lane = { owner: t, items: new Fifo<R>(), inRing: false };
      t.lanes.set(priority, lane);
    }
    if (front) lane.items.unshift(item);
    else lane.items.push(item);
    if (!lane.inRing) {
      lane.inRing = true;
      level.ring.push(lane);
    }
    level.waiting++;
    t.waiting++;
    this.count++;
  }

  /** The next item to serve: the highest priority first, round-robin across tasks within it. */
  shift(): R | undefined {
    while (this.active.length > 0) {
      const level = this.active[0]!;
      const lane = level.ring.shift();
      if (!lane) {
        // Only reachable if the counts drifted; dropping the level keeps the queue moving.
        this.retire(level);
        continue;
      }
      const item = lane.items.shift();
      if (item === undefined) {
        lane.inRing = false;
        continue;
      }
      if (lane.items.size > 0) level.ring.push(lane);
      else lane.inRing = false;
      this.count--;
      lane.owner.waiting--;
      if (--level.waiting === 0) this.retire(level);
      return item;
    }
    return undefined;
  }

  /** The item `shift` would return next, left in the queue. */
  peek(): R | undefined {
    for (const level of this.active)
      for (const lane of level.ring) {
        const [item] = lane.items;
        if (item !== undefined) return item;
      }
    return undefined;
  }

  /** The next item of one task (its highest priority first) and that priority, left in the queue. */
  headOf(task: string): { item: R; priority: number } | undefined {
    let best: { item: R; priority: number } | undefined;
    for (const [priority, lane] of this.tasks.get(task)?.lanes ?? []) {
      const [item] = lane.items;
      if (item !== undefined && (!best || priority > best.priority)) best = { item, priority };
    }
    return best;
  }

  /** Takes one waiting item out of the queue; false when it was not waiting. */
  remove(task: string, priority: number, item: R): boolean {
    const t = this.tasks.get(task);
    const lane = t?.lanes.get(priority);
    const level = this.levels.get(priority);
    if (!t || !lane || !level || !lane.items.remove(item)) return false;
    // The lane stays in the ring if it was there; `shift` skips it once it is empty.
    t.waiting--;
    this.count--;
    if (--level.waiting === 0) this.retire(level);
    return true;
  }

  /** Takes every waiting item of one task out of the queue, oldest first within a priority. */
  drainTask(task: string): R[] {
    const t = this.tasks.get(task);
    if (!t || t.waiting === 0) return [];
    const out: R[] = [];
    for (const [priority, lane] of t.lanes) {
      const items = lane.items.drain();
      if (items.length === 0) continue;
      out.push(...items);
      const level = this.levels.get(priority);
      if (level) {
        level.waiting -= items.length;
        if (level.waiting <= 0) this.retire(level);
      }
    }
    t.waiting = 0;
    this.count -= out.length;
    return out;
  }

  /** Forgets a task with nothing waiting, so a long-lived queue does not keep every task ever seen. */
  forget(task: string): boolean {
    const t = this.tasks.get(task);
    // An emptied lane of this task may linger in a ring; `shift` skips it, so it does no harm.
    if (!t || t.waiting > 0) return false;
    return this.tasks.delete(task);
  }

  private taskLanes(task: string): TaskLanes<R> {
    let t = this.tasks.get(task);
    if (!t) {
      t = { lanes: new Map(), waiting: 0 };
      this.tasks.set(task, t);
    }
    return t;
  }

  private level(priority: number): Level<R> {
    let level = this.levels.get(priority);
    if (!level) {
      level = { priority, ring: new Fifo(), waiting: 0 };
      this.levels.set(priority, level);
      let i = 0;
      while (i < this.active.length && this.active[i]!.priority > priority) i++;
      this.active.splice(i, 0, level);
    }
    return level;
  }

  /** Drops a level that has nothing waiting; its lingering empty lanes leave the ring with it. */
  private retire(level: Level<R>): void {
    for (const lane of level.ring.drain()) lane.inRing = false;
    level.waiting = 0;
    this.levels.delete(level.priority);
    const i = this.active.indexOf(level);
    if (i >= 0) this.active.splice(i, 1);
  }
}
