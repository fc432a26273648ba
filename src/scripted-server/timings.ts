import type { RecordedRequest } from './server.js';

/**
 * The share of the time the server was serving anything, from the first arrival to the last
 * end: the bench's measure of how well a queue keeps one mlx_lm.server busy.
 */
export function busyFraction(requests: readonly RecordedRequest[]): number {
  const spans = requests
    .filter((r) => r.startedAt !== undefined && r.endedAt !== undefined)
    .map((r) => [r.startedAt!, r.endedAt!] as const)
    .sort((a, b) => a[0] - b[0]);
  if (spans.length === 0) return 0;
  const first = Math.min(...requests.map((r) => r.arrivedAt));
  const last = Math.max(...spans.map((s) => s[1]));
  let busy = 0;
  let [start, end] = spans[0]!;
  for (const [s, e] of spans.slice(1)) {
    if (s > end) {
      busy += end - start;
      [start, end] = [s, e];
    } else end = Math.max(end, e);
  }
  busy += end - start;
  return last > first ? busy / (last - first) : 1;
}
