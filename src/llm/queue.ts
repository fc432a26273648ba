import { performance } from 'node:perf_hooks';
import { FactoryError } from '../errors.js';
import type { EndpointConfig } from './types.js';
import { backoffDelay } from './queue-backoff.js';
import { EndpointPool, type EndpointState } from './queue-endpoints.js';
import { QueueCancelledError, type CancelWhy } from './queue-errors.js';
import { FairQueue } from './queue-fair.js';
import { QueueStats, taskMetrics, type QueueMetrics } from './queue-metrics.js';
import { defaultIsConnectionError, defaultIsRetryable } from './queue-retry.js';
import type { Schedule, SlotState } from './queue-slots.js';

export { QueueCancelledError, type CancelWhy } from './queue-errors.js';
export type { EndpointMetrics, QueueMetrics, TaskMetrics } from './queue-metrics.js';
export { defaultIsConnectionError, defaultIsRetryable, isRetryableStatus } from './queue-retry.js';
export type { Schedule } from './queue-slots.js';

export interface QueueOptions {
  /** Retries after the first try; default 3. */
  retries?: number;
  /** First backoff cap; default 250. Exponential with full jitter, capped by `maxDelayMs`. */
  baseDelayMs?: number;
  /** Default 8000. */
  maxDelayMs?: number;
  /** Default: the error's `retryable` flag, else its HTTP `status` (408, 429, 5xx), else a connection error. */
  isRetryable?: (e: unknown) => boolean;
  /** Marks the endpoint down for `endpointDownMs`; default: `e.kind === 'connection'`. */
  isConnectionError?: (e: unknown) => boolean;
  /** Default 5000. */
  endpointDownMs?: number;
  /** The jitter source, in [0, 1); tests pass a constant to make delays exact. */
  random?: () => number;
  /**
   * How waiting requests are ordered. `cache-aware` (the default): round-robin across tasks, but
   * a task stays on the slot that holds its prompt's prefix, and a follow-up it announced (a tool
   * round) gets the slot kept for it, within `maxPasses`. `round-robin`: strict turns, any free
   * slot. `fifo`: arrival order, for comparisons.
   */
  schedule?: Schedule;
  /** How long a slot is kept for an announced follow-up before anyone may take it; default 500. */
  holdMs?: number;
  /** How many follow-ups of other tasks a waiting task lets go first, at most; default 2. */
  maxPasses?: number;
}

/** The token counts the metrics need; the client's `Usage` fits. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface RunOptions<T> {
  /** Higher is served first; equal priorities share round-robin. Default 0. */
  priority?: number;
  /** Aborting it removes the request if waiting, or aborts its work if running. */
  signal?: AbortSignal;
  /** Reads the token counts of an answer, for the metrics. */
  usageOf?: (result: T) => TokenUsage | undefined;
  /**
   * Whether the task sends its next request as soon as it has this answer (a tool round), so
   * its slot, which holds the conversation so far, is worth keeping for it a moment.
   */
  followUp?: (result: T) => boolean;
}

export type Work<T> = (endpoint: EndpointConfig, signal: AbortSignal) => Promise<T>;

interface Request {
  readonly task: TaskState;
  readonly priority: number;
  readonly work: Work<unknown>;
  readonly usageOf?: (result: unknown) => TokenUsage | undefined;
  readonly followUp?: (result: unknown) => boolean;
  /** Arrival order, for `fifo`. */
  readonly seq: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly signal?: AbortSignal;
  onAbort?: () => void;
  /** `settled` once the caller has its answer; a settled request may still hold its slot. */
  state: 'waiting' | 'running' | 'backoff' | 'settled';
  retriesDone: number;
  /** `performance.now()` when it last joined the waiting queue. */
  queuedAt: number;
  startedAt: number;
  controller?: AbortController;
  timer?: NodeJS.Timeout;
  slot?: SlotState;
}

interface TaskState {
  readonly name: string;
  readonly stats: QueueStats;
  /** Requests holding a slot, including cancelled ones whose work has not finished yet. */
  readonly running: Set<Request>;
  readonly backoff: Set<Request>;
  /** Other tasks' follow-ups served ahead of it since it was last served. */
  passes: number;
}

/**
 * The one queue in front of the inference servers. Requests are served by priority, then
 * round-robin across tasks (FIFO within a task); each goes to the least-loaded endpoint that is
 * up, within its concurrency. Retryable failures back off without holding a slot and come back
 * at the front of their task's FIFO. No timers run unless a request is backing off or waiting
 * for a down endpoint to come back.
 */
export class RequestQueue {
  private readonly pool: EndpointPool;
  private readonly fair = new FairQueue<Request>();
  private readonly tasks = new Map<string, TaskState>();
  private readonly total = new QueueStats();
  private readonly idleListeners = new Set<() => void>();
  private readonly retries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private readonly isRetryable: (e: unknown) => boolean;
  private readonly isConnectionError: (e: unknown) => boolean;
  private readonly schedule: Schedule;
  private readonly holdMs: number;
  private readonly maxPasses: number;
  private seq = 0;
  private runningCount = 0;
  private backoffCount = 0;
  private pumping = false;
  private repump = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private closed = false;
  private wasBusy = false;
  private lastActivity = Date.now();

  constructor(endpoints: EndpointConfig[], opts: QueueOptions = {}) {
    if (endpoints.length === 0)
      throw new FactoryError('the request queue needs at least one inference endpoint', {
        hint: 'set server.baseURL (and optionally server.endpoints) in .factoryrc.json',
      });
    this.pool = new EndpointPool(endpoints, opts.endpointDownMs ?? 5000);
    this.retries = Math.max(0, opts.retries ?? 3);
    this.baseDelayMs = opts.baseDelayMs ?? 250;
    this.maxDelayMs = opts.maxDelayMs ?? 8000;
    this.random = opts.random ?? Math.random;
    this.isRetryable = opts.isRetryable ?? defaultIsRetryable;
    this.isConnectionError = opts.isConnectionError ?? defaultIsConnectionError;
    this.schedule = opts.schedule ?? 'cache-aware';
    this.holdMs = Math.max(0, opts.holdMs ?? 500);
    this.maxPasses = Math.max(0, opts.maxPasses ?? 2);
  }

  /** Anything waiting, running (including cancelled work still finishing) or backing off. */
  get busy(): boolean {
    return this.fair.size + this.runningCount + this.backoffCount > 0;
  }

  /** Epoch ms of the last submit or settlement. */
  get lastActivityAt(): number {
    return this.lastActivity;
  }

  /** Calls `listener` each time the queue becomes idle (not `busy`); returns the unsubscribe. */
  onIdle(listener: () => void): () => void {
    this.idleListeners.add(listener);
    return () => this.idleListeners.delete(listener);
  }

  /**
   * Runs `work` for `task` when its turn comes, on the endpoint chosen for it. `work` must honour
   * its signal: it fires when the request is cancelled, and the endpoint's slot stays taken until
   * `work` settles, because the server is still busy with it until then.
   */
  run<T>(task: string, work: Work<T>, opts: RunOptions<T> = {}): Promise<T> {
    if (this.closed) return Promise.reject(new QueueCancelledError(task, 'closed'));
    const signal = opts.signal;
    if (signal?.aborted) return Promise.reject(new QueueCancelledError(task, 'aborted', signal.reason));
    const state = this.taskState(task);
    const priority = Number.isFinite(opts.priority) ? (opts.priority as number) : 0;
    return new Promise<T>((resolve, reject) => {
      const req: Request = {
        task: state,
        priority,
        work,
        usageOf: opts.usageOf as Request['usageOf'],
        followUp: opts.followUp as Request['followUp'],
        seq: this.seq++,
        resolve: resolve as (value: unknown) => void,
        reject,
        signal,
        state: 'waiting',
        retriesDone: 0,
        queuedAt: performance.now(),
        startedAt: 0,
      };
      if (signal) {
        req.onAbort = () => {
          if (this.cancel(req, 'aborted', signal.reason)) this.afterChange();
        };
        signal.addEventListener('abort', req.onAbort, { once: true });
      }
      state.stats.submitted++;
      this.total.submitted++;
      this.lastActivity = Date.now();
      this.wasBusy = true;
      this.fair.push(task, priority, req);
      this.pump();
    });
  }

  /**
   * Cancels every request of `task`: waiting and backing-off ones are rejected at once, running
   * ones have their signal fired and are rejected at once too. Returns how many were affected.
   */
  cancelTask(task: string): number {
    const state = this.tasks.get(task);
    if (!state) return 0;
    const n = this.cancelAll(state, 'task-cancelled');
    if (n > 0) this.afterChange();
    return n;
  }

  /** Rejects everything waiting or backing off and aborts everything running; later runs reject. */
  close(): void {
    this.closed = true;
    for (const state of this.tasks.values()) this.cancelAll(state, 'closed');
    this.clearWake();
    this.afterChange();
  }

  /** Drops the counters of a task with nothing in the queue; false if it still has requests. */
  forgetTask(task: string): boolean {
    const state = this.tasks.get(task);
    if (!state || state.running.size + state.backoff.size > 0 || !this.fair.forget(task)) return false;
    return this.tasks.delete(task);
  }

  /** A plain JSON-serialisable snapshot. */
  metrics(): QueueMetrics {
    const now = performance.now();
    return {
      busy: this.busy,
      lastActivityAt: this.lastActivity,
      total: taskMetrics(this.total, this.fair.size, this.runningCount, this.backoffCount),
      tasks: [...this.tasks.values()].map((t) => ({
        task: t.name,
        ...taskMetrics(t.stats, this.fair.waitingOf(t.name), t.running.size, t.backoff.size),
      })),
      endpoints: this.pool.metrics(now),
    };
  }

  private taskState(task: string): TaskState {
    let state = this.tasks.get(task);
    if (!state) {
      state = { name: task, stats: new QueueStats(), running: new Set(), backoff: new Set(), passes: 0 };
      this.tasks.set(task, state);
    }
    return state;
  }

  /** Starts waiting requests while an endpoint has a free slot. Safe to re-enter from `work`. */
  private pump(): void {
    if (this.pumping) {
      this.repump = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.repump = false;
        while (this.fair.size > 0) {
          const now = performance.now();
          const next = this.choose(now);
          if (!next) {
            this.scheduleWake(now);
            break;
          }
          this.start(next.req, next.ep, now, next.slot);
        }
      } while (this.repump);
    } finally {
      this.pumping = false;
    }
  }

  /**
   * The next request to start, and where, taken out of the waiting queue: an announced
   * follow-up on the slot kept for it, else the next in turn (round-robin, or arrival order)
   * on the slot holding its task's prefix. None when the next in turn has no slot it may take.
   */
  private choose(now: number): { req: Request; ep: EndpointState; slot: SlotState } | undefined {
    if (this.schedule === 'cache-aware') {
      for (const ep of this.pool.list) {
        if (ep.downUntil > now) continue;
        for (const slot of ep.slots) {
          const task = slot.reservedFor;
          if (task === undefined || slot.busy || slot.reservedUntil <= now) continue;
          // A higher priority waiting goes first: keeping a cache never outranks it.
          if ((this.fair.peek()?.priority ?? -Infinity) > slot.reservedPriority) {
            slot.reservedFor = undefined;
            continue;
          }
          const head = this.fair.headOf(task);
          if (!head) continue;
          this.fair.remove(task, head.priority, head.item);
          // Every other task waiting lets this one go first: that is what the bound counts.
          for (const t of this.tasks.values())
            if (t.name !== task && this.fair.waitingOf(t.name) > 0) t.passes++;
          return { req: head.item, ep, slot };
        }
      }
    }
    const req = this.schedule === 'fifo' ? this.oldestWaiting() : this.fair.peek();
    if (!req) return undefined;
    const placed =
      this.schedule === 'cache-aware'
        ? this.pool.place(now, req.task.name)
        : this.anySlot(this.pool.pick(now));
    if (!placed) return undefined;
    if (this.schedule === 'fifo') this.fair.remove(req.task.name, req.priority, req);
    else this.fair.shift();
    return { req, ...placed };
  }

  private anySlot(ep: EndpointState | undefined): { ep: EndpointState; slot: SlotState } | undefined {
    const slot = ep?.slots.find((s) => !s.busy);
    return ep && slot ? { ep, slot } : undefined;
  }

  /** The waiting request that arrived first, the highest priority first. */
  private oldestWaiting(): Request | undefined {
    let best: { item: Request; priority: number } | undefined;
    for (const t of this.tasks.values()) {
      const head = this.fair.headOf(t.name);
      if (
        head &&
        (!best ||
          head.priority > best.priority ||
          (head.priority === best.priority && head.item.seq < best.item.seq))
      )
        best = head;
    }
    return best?.item;
  }

  /** Whether `task` may be served ahead of the others waiting now without breaking the bound. */
  private mayPass(task: TaskState): boolean {
    for (const t of this.tasks.values())
      if (t !== task && this.fair.waitingOf(t.name) > 0 && t.passes >= this.maxPasses) return false;
    return true;
  }

  private start(req: Request, ep: EndpointState, now: number, slot: SlotState): void {
    const { task } = req;
    task.passes = 0;
    for (const s of ep.slots) if (s.reservedFor === task.name) s.reservedFor = undefined;
    slot.busy = true;
    slot.task = task.name;
    slot.usedAt = now;
    slot.reservedFor = undefined;
    req.slot = slot;
    req.state = 'running';
    req.startedAt = now;
    const wait = now - req.queuedAt;
    task.stats.waitMs += wait;
    task.stats.starts++;
    this.total.waitMs += wait;
    this.total.starts++;
    ep.running++;
    task.running.add(req);
    this.runningCount++;
    const controller = new AbortController();
    req.controller = controller;
    let p: Promise<unknown>;
    // Only the cache-aware queue steers requests to a slot; the server picks one otherwise.
    const config =
      this.schedule === 'cache-aware' && ep.config.slotIds ? { ...ep.config, slot: slot.id } : ep.config;
    try {
      p = Promise.resolve(req.work(config, controller.signal));
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (value) => this.finish(req, ep, true, value),
      (error) => this.finish(req, ep, false, error),
    );
  }

  private finish(req: Request, ep: EndpointState, ok: boolean, value: unknown): void {
    const now = performance.now();
    const { task } = req;
    ep.running--;
    if (req.slot) {
      req.slot.busy = false;
      req.slot.usedAt = now;
    }
    task.running.delete(req);
    this.runningCount--;
    const service = now - req.startedAt;
    task.stats.serviceMs += service;
    task.stats.attempts++;
    this.total.serviceMs += service;
    this.total.attempts++;
    if (ok) {
      ep.served++;
      this.pool.markUp(ep);
    } else {
      ep.failed++;
      if (this.isConnectionError(value)) this.pool.markDown(ep, now);
    }
    // A cancelled request's caller already has its rejection; only the slot was still held.
    if (req.state === 'settled') return this.afterChange();
    if (ok) {
      this.recordUsage(req, value, service);
      if (req.slot) this.keepForFollowUp(req, req.slot, value, now);
      task.stats.completed++;
      this.total.completed++;
      this.settle(req);
      req.resolve(value);
    } else if (req.retriesDone < this.retries && this.safeIsRetryable(value)) {
      this.backOff(req);
    } else {
      task.stats.failed++;
      this.total.failed++;
      this.settle(req);
      req.reject(value);
    }
    this.afterChange();
  }

  private recordUsage(req: Request, value: unknown, service: number): void {
    let usage: TokenUsage | undefined;
    try {
      usage = req.usageOf?.(value);
    } catch {
      // Metrics must never turn a good answer into a failure.
    }
    if (!usage) return;
    const prompt = Number(usage.promptTokens) || 0;
    const completion = Number(usage.completionTokens) || 0;
    for (const s of [req.task.stats, this.total]) {
      s.promptTokens += prompt;
      s.completionTokens += completion;
      s.tokenMs += service;
    }
  }

  /** Keeps the slot a moment for the follow-up the answer announces, if the bound allows it. */
  private keepForFollowUp(req: Request, slot: SlotState, value: unknown, now: number): void {
    if (this.schedule !== 'cache-aware' || this.holdMs === 0 || !req.followUp) return;
    let coming = false;
    try {
      coming = req.followUp(value) === true;
    } catch {
      // A broken hint only costs the cache.
    }
    if (!coming || !this.mayPass(req.task)) return;
    slot.reservedFor = req.task.name;
    slot.reservedUntil = now + this.holdMs;
    slot.reservedPriority = req.priority;
  }

  private safeIsRetryable(e: unknown): boolean {
    try {
      return this.isRetryable(e);
    } catch {
      return false;
    }
  }

  /** Sleeps without a slot, then rejoins at the front of its task's FIFO: it was first in line. */
  private backOff(req: Request): void {
    const { task } = req;
    const delay = backoffDelay(req.retriesDone, this.baseDelayMs, this.maxDelayMs, this.random);
    req.retriesDone++;
    req.state = 'backoff';
    task.stats.retries++;
    this.total.retries++;
    task.backoff.add(req);
    this.backoffCount++;
    req.timer = setTimeout(() => {
      req.timer = undefined;
      task.backoff.delete(req);
      this.backoffCount--;
      req.state = 'waiting';
      req.queuedAt = performance.now();
      this.fair.push(task.name, req.priority, req, true);
      this.pump();
    }, delay);
  }

  /** Takes one request out of the queue and rejects its caller; false if already settled. */
  private cancel(req: Request, why: CancelWhy, cause?: unknown): boolean {
    const error = new QueueCancelledError(req.task.name, why, cause);
    switch (req.state) {
      case 'settled':
        return false;
      case 'waiting':
        this.fair.remove(req.task.name, req.priority, req);
        break;
      case 'backoff':
        clearTimeout(req.timer);
        req.timer = undefined;
        req.task.backoff.delete(req);
        this.backoffCount--;
        break;
      case 'running':
        // Its slot stays taken until the work settles: the server is still busy with it.
        req.controller?.abort(error);
        break;
    }
    this.rejectCancelled(req, error);
    return true;
  }

  private cancelAll(state: TaskState, why: CancelWhy): number {
    let n = 0;
    // Drained in one go: removing them one by one would scan the task's FIFO each time.
    for (const req of this.fair.drainTask(state.name)) {
      this.rejectCancelled(req, new QueueCancelledError(state.name, why));
      n++;
    }
    for (const req of [...state.backoff, ...state.running]) if (this.cancel(req, why)) n++;
    return n;
  }

  private rejectCancelled(req: Request, error: QueueCancelledError): void {
    req.task.stats.cancelled++;
    this.total.cancelled++;
    this.settle(req);
    req.reject(error);
  }

  private settle(req: Request): void {
    req.state = 'settled';
    if (req.onAbort) req.signal?.removeEventListener('abort', req.onAbort);
    this.lastActivity = Date.now();
  }

  /** After anything frees a slot or empties the queue: serve what waits, or report idleness. */
  private afterChange(): void {
    this.pump();
    // The wake-up only serves waiting requests; with none left it would be a stray timer.
    if (this.fair.size === 0) this.clearWake();
    if (this.wasBusy && !this.busy) {
      this.wasBusy = false;
      for (const listener of [...this.idleListeners]) {
        try {
          listener();
        } catch {
          // A broken listener must not break the request that happened to finish last.
        }
      }
    }
  }

  /** Wakes the queue when a down endpoint comes back, if requests wait that it could serve. */
  private scheduleWake(now: number): void {
    const up = this.pool.nextUpAt(now);
    const released = this.pool.nextReleaseAt(now);
    const at = up === undefined ? released : released === undefined ? up : Math.min(up, released);
    if (at === undefined || at >= this.wakeAt) return;
    this.clearWake();
    this.wakeAt = at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeAt = Infinity;
        this.pump();
      },
      Math.ceil(at - now),
    );
  }

  private clearWake(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = Infinity;
  }
}
