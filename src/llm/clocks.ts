/**
 * The three clocks of one streamed request. A whole-request deadline cannot tell a slow start
 * from a stalled server: llama-server sends nothing, not even headers, until the first token
 * exists, so waiting for a slot and reading a long prompt (minutes on a CPU) come first, and a
 * healthy stream of 8192 tokens can outlast any fixed deadline.
 *
 * - first token: from sending the request to the first piece of the answer; generous, and
 *   longer for a longer prompt.
 * - idle: the longest silence between two pieces once the answer has started (keepalive
 *   comments count as pieces: the server is alive).
 * - overall: from the first token, twice the time `max_tokens` takes at the speed measured over
 *   the first two seconds, plus the idle allowance: a stream that slows to a crawl or never stops ends, a fast
 *   one never does.
 */
import type { LlmClock } from './errors.js';

/** The slowest prompt reading assumed for the first-token clock (a small CPU). */
export const SLOWEST_PREFILL_TPS = 25;
/**
 * Decode is measured over at least this long, and this many tokens, before the overall clock is
 * set: a burst at the start (a buffering proxy) must not make the clock tight.
 */
const MEASURE_MS = 2000;
const MEASURE_TOKENS = 32;

export interface ClockSettings {
  /** The first-token clock for a short prompt. */
  firstTokenMs: number;
  /** The idle clock. */
  idleMs: number;
  /** A hard cap on the whole request, for callers that need one (readiness probes). */
  deadlineMs?: number;
  /**
   * Asked when the first-token clock runs out: true while the request still waits in a queue
   * in front of the server (the queue front), so the clock starts over instead of expiring.
   */
  stillQueued?: () => Promise<boolean>;
}

/** The first-token clock for a prompt of `promptTokens`: one more second per 25 tokens. */
export function firstTokenBudgetMs(baseMs: number, promptTokens: number): number {
  return baseMs + Math.ceil((promptTokens / SLOWEST_PREFILL_TPS) * 1000);
}

/** What the error message says about the clock that ran out. */
export interface ClockReading {
  clock: LlmClock;
  /** The allowance that ran out. */
  limitMs: number;
  /** For `overall`: the speed measured, in tokens per second. */
  tokensPerSecond?: number;
}

/**
 * Runs the clocks of one request and calls `expire` once, with the clock that ran out. The
 * client tells it when bytes arrive (`alive`) and when answer tokens arrive (`tokens`).
 */
export class RequestClocks {
  private readonly startedAt = Date.now();
  private firstAt?: number;
  private tokenCount = 0;
  private idleTimer?: NodeJS.Timeout;
  private mainTimer?: NodeJS.Timeout;
  private deadlineTimer?: NodeJS.Timeout;
  private overallMs?: number;
  private fired = false;
  private stopped = false;

  constructor(
    private readonly settings: ClockSettings & { firstTokenBudgetMs: number; maxTokens: number },
    private readonly expire: (reading: ClockReading) => void,
  ) {
    this.armFirstToken();
    if (settings.deadlineMs !== undefined) {
      this.deadlineTimer = setTimeout(
        () => this.fire({ clock: 'deadline', limitMs: settings.deadlineMs! }),
        settings.deadlineMs,
      );
    }
  }

  get started(): boolean {
    return this.firstAt !== undefined;
  }

  /** Bytes arrived (a chunk, a keepalive comment): the idle clock starts over once answering. */
  alive(): void {
    if (this.stopped || this.firstAt === undefined) return;
    this.armIdle();
  }

  /** Part of the answer arrived, standing for about `count` tokens. */
  tokens(count: number): void {
    if (this.stopped) return;
    const at = Date.now();
    if (this.firstAt === undefined) {
      this.firstAt = at;
      clearTimeout(this.mainTimer);
      this.mainTimer = undefined;
      this.armIdle();
    }
    this.tokenCount += count;
    // The overall clock is set once, from the first measured seconds of decoding: a stream that
    // slows down later runs into it, one that keeps its pace never does.
    const spent = at - this.firstAt;
    if (this.overallMs === undefined && spent >= MEASURE_MS && this.tokenCount >= MEASURE_TOKENS) {
      const tps = this.tokenCount / (spent / 1000);
      this.overallMs = Math.ceil(((2 * this.settings.maxTokens) / tps) * 1000) + this.settings.idleMs;
      const left = this.firstAt + this.overallMs - at;
      this.mainTimer = setTimeout(
        () => this.fire({ clock: 'overall', limitMs: this.overallMs!, tokensPerSecond: tps }),
        Math.max(0, left),
      );
    }
  }

  /** Milliseconds since the request was sent. */
  elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.mainTimer);
    clearTimeout(this.deadlineTimer);
  }

  /** Waiting in the front's queue is not the server being slow: the clock starts over after it. */
  private armFirstToken(wasQueued = false): void {
    const budget = this.settings.firstTokenBudgetMs;
    this.mainTimer = setTimeout(() => {
      const ask = this.settings.stillQueued;
      if (!ask) return this.fire({ clock: 'first-token', limitMs: budget });
      ask().then(
        (queued) => {
          if (this.stopped || this.firstAt !== undefined) return;
          // Just out of the queue: a whole allowance from about when it left.
          if (queued || wasQueued) this.armFirstToken(queued);
          else this.fire({ clock: 'first-token', limitMs: budget });
        },
        () => this.fire({ clock: 'first-token', limitMs: budget }),
      );
    }, budget);
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(
      () => this.fire({ clock: 'idle', limitMs: this.settings.idleMs }),
      this.settings.idleMs,
    );
  }

  private fire(reading: ClockReading): void {
    if (this.fired || this.stopped) return;
    this.fired = true;
    this.stop();
    this.expire(reading);
  }
}
