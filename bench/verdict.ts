import { median } from './timing.js';
import type { Measurement } from './types.js';

export interface Verdict {
  /** The product median: ms, or a fraction when the measurement's unit says so. */
  productMs: number;
  referenceMs?: number;
  /** product median / reference median. */
  ratio?: number;
  /** product median − reference median. */
  extraMs?: number;
  /** null when the benchmark has no target. */
  pass: boolean | null;
  /** Whether the target applies at this size (else the verdict is informational). */
  gated: boolean;
}

export function verdict(m: Measurement): Verdict {
  const productMs = median(m.product);
  const referenceMs = m.reference ? median(m.reference) : undefined;
  const ratio = referenceMs !== undefined ? productMs / referenceMs : undefined;
  const extraMs = referenceMs !== undefined ? productMs - referenceMs : undefined;
  const t = m.target;
  const checks: boolean[] = [];
  if (t?.maxRatio !== undefined && ratio !== undefined) checks.push(ratio <= t.maxRatio);
  if (t?.maxMs !== undefined) checks.push(productMs <= t.maxMs);
  if (t?.maxExtraMs !== undefined && extraMs !== undefined) checks.push(extraMs <= t.maxExtraMs);
  if (t?.minValue !== undefined) checks.push(productMs >= t.minValue);
  if (t?.maxValue !== undefined) checks.push(productMs <= t.maxValue);
  const pass = checks.length === 0 ? null : checks.every(Boolean);
  const gated = pass !== null && (!t?.at || t.at.includes(m.size));
  return { productMs, referenceMs, ratio, extraMs, pass, gated };
}
