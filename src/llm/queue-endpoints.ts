import type { EndpointConfig } from './types.js';
import type { EndpointMetrics } from './queue-metrics.js';
import { keptForOthers, makeSlots, nextReservationEnd, slotFor, type SlotState } from './queue-slots.js';

export interface EndpointState {
  readonly config: EndpointConfig;
  readonly concurrency: number;
  running: number;
  served: number;
  failed: number;
  connectionErrors: number;
  /** `performance.now()` until which it is skipped; 0 when up. */
  downUntil: number;
  /** When it was last marked down: with every endpoint down, the oldest is retried first. */
  downSince: number;
  /** One per unit of concurrency: what the server's cache holds on each. */
  readonly slots: SlotState[];
}

/**
 * The pooled endpoints and the choice among them. A linear scan: pools hold a handful of
 * servers, so anything cleverer would cost more than it saves.
 */
export class EndpointPool {
  readonly list: EndpointState[];

  constructor(
    endpoints: EndpointConfig[],
    private readonly downMs: number,
  ) {
    this.list = endpoints.map((config) => {
      // A missing or nonsense concurrency must not stall the queue (0) or flood a server (NaN).
      const concurrency = Number.isFinite(config.concurrency)
        ? Math.max(1, Math.floor(config.concurrency))
        : 1;
      return {
        config,
        concurrency,
        running: 0,
        served: 0,
        failed: 0,
        connectionErrors: 0,
        downUntil: 0,
        downSince: 0,
        slots: makeSlots(concurrency),
      };
    });
  }

  /**
   * An endpoint and slot for a request of `task`: the free slot holding the task's prefix on an
   * up endpoint, else as `pick` chooses, on its slot used longest ago. Slots kept for another
   * task's follow-up count as taken.
   */
  place(now: number, task: string): { ep: EndpointState; slot: SlotState } | undefined {
    for (const ep of this.list) {
      if (ep.downUntil > now) continue;
      const warm = ep.slots.find((s) => s.task === task);
      if (warm && slotFor([warm], task, now)) return { ep, slot: warm };
    }
    const ep = this.pick(now, task);
    const slot = ep && slotFor(ep.slots, task, now);
    return ep && slot ? { ep, slot } : undefined;
  }

  /**
   * The least-loaded endpoint (running / concurrency) that is up and has a free slot. When every
   * endpoint is down, the one that went down longest ago (with a free slot) is tried anyway:
   * waiting for a pool that is all down would only turn an outage into a hang. When some are up
   * but full, nothing is returned and the request waits for them.
   */
  pick(now: number, task?: string): EndpointState | undefined {
    let best: EndpointState | undefined;
    let bestLoad = Infinity;
    let anyUp = false;
    let fallback: EndpointState | undefined;
    for (const ep of this.list) {
      const taken = ep.running + (task === undefined ? 0 : keptForOthers(ep.slots, task, now));
      const free = taken < ep.concurrency;
      if (ep.downUntil <= now) {
        anyUp = true;
        const load = taken / ep.concurrency;
        if (free && load < bestLoad) {
          best = ep;
          bestLoad = load;
        }
      } else if (free && (!fallback || ep.downSince < fallback.downSince)) fallback = ep;
    }
    return best ?? (anyUp ? undefined : fallback);
  }

  /** When the next down endpoint with a free slot comes back, if waiting for it could help. */
  nextUpAt(now: number): number | undefined {
    let at: number | undefined;
    for (const ep of this.list)
      if (ep.downUntil > now && ep.running < ep.concurrency && (at === undefined || ep.downUntil < at))
        at = ep.downUntil;
    return at;
  }

  /** When the next slot kept for a follow-up is released, if any is. */
  nextReleaseAt(now: number): number | undefined {
    let at: number | undefined;
    for (const ep of this.list) {
      const end = nextReservationEnd(ep.slots, now);
      if (end !== undefined && (at === undefined || end < at)) at = end;
    }
    return at;
  }

  markDown(ep: EndpointState, now: number): void {
    ep.connectionErrors++;
    ep.downSince = now;
    ep.downUntil = now + this.downMs;
  }

  markUp(ep: EndpointState): void {
    ep.downUntil = 0;
  }

  metrics(now: number): EndpointMetrics[] {
    return this.list.map((ep) => ({
      baseURL: ep.config.baseURL,
      model: ep.config.model,
      concurrency: ep.concurrency,
      running: ep.running,
      up: ep.downUntil <= now,
      downForMs: Math.max(0, Math.round(ep.downUntil - now)),
      served: ep.served,
      failed: ep.failed,
      connectionErrors: ep.connectionErrors,
    }));
  }
}
