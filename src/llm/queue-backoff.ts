/**
 * The delay before retry number `retry` (0 for the first retry): exponential backoff with full
 * jitter, i.e. uniform in [0, min(maxMs, baseMs * 2^retry)). Full jitter rather than a fixed
 * ladder so that tasks failing together against one restarting server do not retry in lockstep.
 */
export function backoffDelay(
  retry: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const cap = Math.min(maxMs, baseMs * 2 ** retry);
  return Math.max(0, Math.min(cap, random() * cap));
}
