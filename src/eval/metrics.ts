/**
 * What one case's run cost, from the events its task logged: model time (first token and
 * generation, summed over its requests), tokens, the check's time, and what is left of the wall
 * time for factory itself.
 */

/** The parts of a logged event the figures are read from (tasks/record.ts TaskEvent). */
export interface EventLike {
  type: string;
  [key: string]: unknown;
}

export interface CaseFigures {
  wallMs: number;
  /** First-token time plus generation time of every request. */
  modelMs: number;
  firstTokenMs: number;
  generationMs: number;
  /** Time the requests waited for a turn in this process's queue (part of the overhead). */
  queuedMs: number;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens the server reported as served from its cache; null when it reported none. */
  cachedTokens: number | null;
  /** Completion tokens per second of generation time; null without generation time. */
  tokensPerSecond: number | null;
  /** The check's (or the script's) runs, summed. */
  checkMs: number;
  /** Wall time minus model time minus check time: git, context building, queueing, the rest. */
  overheadMs: number;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};

export function figuresFromEvents(events: readonly EventLike[], wallMs: number): CaseFigures {
  let firstTokenMs = 0;
  let generationMs = 0;
  let queuedMs = 0;
  let requests = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  let cached: number | null = null;
  let checkMs = 0;
  for (const e of events) {
    if (e.type === 'reply') {
      requests++;
      const usage = obj(e.usage);
      const timing = obj(e.timing);
      firstTokenMs += num(timing.firstTokenMs);
      generationMs += num(timing.generationMs);
      queuedMs += num(timing.queuedMs);
      promptTokens += num(usage.promptTokens);
      completionTokens += num(usage.completionTokens);
      // Servers that never report a cache say 0: only a positive figure is a report.
      if (num(usage.cachedTokens) > 0) cached = (cached ?? 0) + num(usage.cachedTokens);
    } else if (e.type === 'check') checkMs += num(e.durationMs);
  }
  const modelMs = firstTokenMs + generationMs;
  return {
    wallMs,
    modelMs,
    firstTokenMs,
    generationMs,
    queuedMs,
    requests,
    promptTokens,
    completionTokens,
    cachedTokens: cached,
    tokensPerSecond: generationMs > 0 ? round1(completionTokens / (generationMs / 1000)) : null,
    checkMs,
    overheadMs: wallMs - modelMs - checkMs,
  };
}

export const round1 = (x: number) => Math.round(x * 10) / 10;

/** The middle value (the mean of the two middle ones for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
