import type { Inference } from '../../llm/inference.js';
import { probeFront } from '../../llm/lifecycle.js';
import type { QueueMetrics } from '../../llm/queue.js';

/** Where the queue's numbers come from; null when they cannot be had right now. */
export type MetricsSource = () => Promise<QueueMetrics | null>;

/**
 * In 'front' mode this process's queue only routes requests; the real waiting and the token
 * rates are in the front's queue, shared with other factory processes.
 */
export function queueMetricsSource(inference: Inference, baseURL: string): MetricsSource {
  if (inference.mode === 'in-process') return async () => inference.queue.metrics();
  return async () => {
    const status = await probeFront(baseURL, 500, inference.token);
    const queue = status?.queue as QueueMetrics | undefined;
    return queue && Array.isArray(queue.tasks) && queue.total ? queue : null;
  };
}

/**
 * Calls `tick` every `intervalMs` and hands each answer of `source` to `onMetrics`; a slow
 * source is never asked twice at once. Returns the stop function.
 */
export function pollMetrics(
  source: MetricsSource,
  onMetrics: (m: QueueMetrics) => void,
  tick: () => void,
  intervalMs = 500,
): () => void {
  let busy = false;
  let stopped = false;
  const poll = () => {
    tick();
    if (busy) return;
    busy = true;
    source()
      .then((m) => {
        if (m && !stopped) onMetrics(m);
      })
      // A missing number is better than a broken view; the next poll tries again.
      .catch(() => undefined)
      .finally(() => (busy = false));
  };
  const timer = setInterval(poll, intervalMs);
  // The poller must never be what keeps the process alive.
  timer.unref();
  poll();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
