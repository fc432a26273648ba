import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dialect } from './dialects.js';
import { now, sleep } from './latency.js';
import { cachedTokens, LruPrefixCache, renderMessage, renderPrompt, tokensIn } from './prefix-cache.js';

/**
 * The cost model: what a request costs a real inference server in model time, so the bench can
 * compare schedulers by the time they make the model spend. `N` slots serve at once (request
 * N+1 waits, nothing sent, until one frees); a prompt's prefix already held in a cache is free,
 * every other prompt token costs `prefillMsPerToken`; answers are decoded in steps, one token
 * of every sequence in the batch per step, a step costing more as the batch grows but less than
 * one step per sequence: batching multiplies throughput, up to `batchLimit` sequences.
 *
 * Times are model milliseconds; the server sleeps `timeScale` real ms for each, so a bench can
 * model minutes of a laptop's work in a second. The accounting (tokens, busy time) is exact
 * whatever the scale.
 */
export interface CostModelOptions {
  /** Sequences served at once (llama-server's `--parallel`, mlx_lm.server's batch). */
  slots: number;
  /** mlx: the shared LRU prompt cache's entries (`K`); default 10. The others keep one per slot. */
  cacheEntries?: number;
  prefillMsPerToken: number;
  /** One decode step with a batch of one sequence. */
  decodeMsPerToken: number;
  /** Most sequences one step decodes; default `slots`. */
  batchLimit?: number;
  /** Cost of each extra sequence in a step, as a share of a step of one; default 0.25. */
  batchStepCost?: number;
  /** Real ms slept per model ms; default 1. */
  timeScale?: number;
}

export interface SlotStats {
  id: number;
  requests: number;
  prefillTokens: number;
  cachedTokens: number;
}

export interface CostStats {
  slots: number;
  requests: number;
  promptTokens: number;
  /** Prompt tokens computed (not found in a cache). */
  prefillTokens: number;
  cachedTokens: number;
  decodeTokens: number;
  /** Model ms the engine spent computing: prefill plus decode steps (a batched step counts once). */
  busyMs: number;
  perSlot: SlotStats[];
}

/** What one request cost; the server reports it in its usage. */
export interface Served {
  slot: number;
  promptTokens: number;
  cachedTokens: number;
}

interface Job {
  prefill: number;
  decode: number;
  signal: AbortSignal;
  done: (finished: boolean) => void;
}

interface Slot {
  id: number;
  busy: boolean;
  /** What this slot's KV cache holds (llamacpp and the others; unused for mlx). */
  kept: string;
  releasedAt: number;
  stats: SlotStats;
}

interface Waiter {
  want?: number;
  prompt: string;
  wake: (slot: Slot) => void;
}

/** Below this many real ms a sleep is mostly timer overhead: decode steps are slept in groups. */
const MIN_SLEEP_MS = 2;
/** llama-server reuses an idle slot whose cache shares this much of the prompt (`--slot-prompt-similarity`). */
const SLOT_SIMILARITY = 0.1;

export class CostModel {
  private readonly slots: Slot[];
  private readonly lru: LruPrefixCache | undefined;
  private readonly waiting: Waiter[] = [];
  private readonly prefillQueue: Job[] = [];
  private readonly decoding: Job[] = [];
  private readonly batchLimit: number;
  private readonly stepCost: number;
  private readonly scale: number;
  private engineRunning = false;
  /** Real time (ms since the epoch) the engine's sleeps are due to end: no rounding drift. */
  private due = 0;
  private readonly totals = {
    requests: 0,
    promptTokens: 0,
    prefillTokens: 0,
    cachedTokens: 0,
    decodeTokens: 0,
  };
  private busyMs = 0;

  constructor(
    private readonly opts: CostModelOptions,
    private readonly dialect: Dialect,
  ) {
    const n = Math.max(1, Math.floor(opts.slots));
    this.slots = Array.from({ length: n }, (_, id) => ({
      id,
      busy: false,
      kept: '',
      releasedAt: 0,
      stats: { id, requests: 0, prefillTokens: 0, cachedTokens: 0 },
    }));
    this.lru = dialect === 'mlx' ? new LruPrefixCache(Math.max(1, opts.cacheEntries ?? 10)) : undefined;
    this.batchLimit = Math.max(1, opts.batchLimit ?? n);
    this.stepCost = opts.batchStepCost ?? 0.25;
    this.scale = opts.timeScale ?? 1;
  }

  stats(): CostStats {
    return {
      slots: this.slots.length,
      ...this.totals,
      busyMs: Math.round(this.busyMs * 1000) / 1000,
      perSlot: this.slots.map((s) => ({ ...s.stats })),
    };
  }

  /**
   * Serves one request in model time: waits for a slot (the one `id_slot` names, for llamacpp),
   * computes the uncached prompt and the answer, then keeps the prompt and answer in the cache.
   * Rewrites the plan's usage with the real counts. Undefined when the client left first.
   */
  async serve(
    body: Record<string, unknown>,
    plan: {
      completionTokens: number;
      message: Record<string, unknown>;
      usage: Record<string, unknown> | null;
    },
    signal: AbortSignal,
  ): Promise<Served | undefined> {
    const prompt = renderPrompt(body);
    const want =
      this.dialect === 'llamacpp' && Number.isInteger(body.id_slot) ? (body.id_slot as number) : -1;
    const slot = await this.acquire(prompt, want >= 0 && want < this.slots.length ? want : undefined, signal);
    if (!slot) return undefined;
    try {
      const promptTokens = tokensIn(prompt);
      const hit = this.lru ? this.lru.lookup(prompt) : { entry: -1, cached: cachedTokens(slot.kept, prompt) };
      const computed = promptTokens - hit.cached;
      this.totals.requests++;
      this.totals.promptTokens += promptTokens;
      this.totals.prefillTokens += computed;
      this.totals.cachedTokens += hit.cached;
      this.totals.decodeTokens += plan.completionTokens;
      slot.stats.requests++;
      slot.stats.prefillTokens += computed;
      slot.stats.cachedTokens += hit.cached;
      // What the cache holds from here on: the server overwrote it as it read the prompt.
      const sequence = prompt + renderMessage(plan.message);
      if (this.lru) this.lru.store(sequence, hit.entry);
      else slot.kept = sequence;
      const finished = await this.compute(computed, plan.completionTokens, signal);
      if (!finished) return undefined;
      if (plan.usage) {
        plan.usage.prompt_tokens = promptTokens;
        plan.usage.total_tokens = promptTokens + plan.completionTokens;
        plan.usage.prompt_tokens_details = { cached_tokens: hit.cached };
      }
      return { slot: slot.id, promptTokens, cachedTokens: hit.cached };
    } finally {
      this.release(slot);
    }
  }

  /** `GET /scripted/stats`, and llama-server's `GET /props` with its slot count. */
  route(req: IncomingMessage, res: ServerResponse, path: string, headers: Record<string, string>): boolean {
    if (req.method !== 'GET') return false;
    let body: unknown;
    if (path === '/scripted/stats') body = this.stats();
    else if (path === '/props' && this.dialect === 'llamacpp') body = { total_slots: this.slots.length };
    else return false;
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
    return true;
  }

  private acquire(prompt: string, want: number | undefined, signal: AbortSignal): Promise<Slot | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    const free = this.pick(prompt, want);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        want,
        prompt,
        wake: (slot) => {
          signal.removeEventListener('abort', leave);
          resolve(slot);
        },
      };
      const leave = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(undefined);
      };
      this.waiting.push(waiter);
      signal.addEventListener('abort', leave, { once: true });
    });
  }

  /**
   * An idle slot for a prompt: the one asked for; else (as llama-server) the idle slot whose
   * cache shares enough of the prompt, the most first, else the one idle longest.
   */
  private pick(prompt: string, want: number | undefined): Slot | undefined {
    if (want !== undefined) {
      const s = this.slots[want]!;
      return s.busy ? undefined : s;
    }
    const idle = this.slots.filter((s) => !s.busy);
    if (idle.length === 0) return undefined;
    if (!this.lru) {
      const tokens = Math.max(1, tokensIn(prompt));
      let best: Slot | undefined;
      let bestCached = 0;
      for (const s of idle) {
        const c = cachedTokens(s.kept, prompt);
        if (c / tokens >= SLOT_SIMILARITY && c > bestCached) [best, bestCached] = [s, c];
      }
      if (best) return best;
    }
    return idle.reduce((a, b) => (b.releasedAt < a.releasedAt ? b : a));
  }

  private release(slot: Slot): void {
    slot.busy = false;
    slot.releasedAt = now();
    // Waiters in arrival order; one that wants a busy slot keeps waiting without blocking the rest.
    for (let i = 0; i < this.waiting.length; i++) {
      const w = this.waiting[i]!;
      const s = this.pick(w.prompt, w.want);
      if (!s) continue;
      this.waiting.splice(i, 1);
      s.busy = true;
      w.wake(s);
      return;
    }
  }

  private compute(prefill: number, decode: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((done) => {
      this.prefillQueue.push({ prefill, decode, signal, done });
      if (!this.engineRunning) void this.run();
    });
  }

  /** The one compute stream: prompts are read one at a time, answers decoded in batched steps. */
  private async run(): Promise<void> {
    this.engineRunning = true;
    this.due = now();
    try {
      for (;;) {
        this.dropAborted();
        const job = this.prefillQueue.shift();
        if (job) {
          await this.spend(job.prefill * this.opts.prefillMsPerToken);
          if (job.decode > 0) this.decoding.push(job);
          else job.done(!job.signal.aborted);
          continue;
        }
        if (this.decoding.length === 0) break;
        const batch = this.decoding.slice(0, this.batchLimit);
        const step = this.opts.decodeMsPerToken * (1 + this.stepCost * (batch.length - 1));
        const left = Math.min(...batch.map((j) => j.decode));
        const steps = Math.max(
          1,
          Math.min(left, Math.ceil(MIN_SLEEP_MS / Math.max(step * this.scale, 1e-9))),
        );
        await this.spend(steps * step);
        for (const j of batch) {
          j.decode -= steps;
          if (j.decode > 0) continue;
          this.decoding.splice(this.decoding.indexOf(j), 1);
          j.done(!j.signal.aborted);
        }
      }
    } finally {
      this.engineRunning = false;
    }
  }

  private dropAborted(): void {
    for (const list of [this.prefillQueue, this.decoding])
      for (let i = list.length - 1; i >= 0; i--)
        if (list[i]!.signal.aborted) list.splice(i, 1)[0]!.done(false);
  }

  private async spend(modelMs: number): Promise<void> {
    if (modelMs <= 0) return;
    this.busyMs += modelMs;
    this.due = Math.max(this.due, now() - 50) + modelMs * this.scale;
    await sleep(this.due - now(), new AbortController().signal);
  }
}
