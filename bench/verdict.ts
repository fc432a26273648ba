import { median } from './timing.js';
import type { Measurement } from './types.js';

export interface Verdict {
  productMs: number;
  referenceMs?: number;
  /** product median / reference median. */
  ratio?: number;
  /** null when the benchmark has no target. */
  pass: boolean | null;
  /** Whether the target applies at this size (else the verdict is informational). */
  gated: boolean;
}

export function verdict(m: Measurement): Verdict {
  const productMs = median(m.product);
  const referenceMs = m.reference ? median(m.reference) : undefined;
  const ratio = referenceMs !== undefined ? productMs / referenceMs : undefined;
  const t = m.target;
  let pass: boolean | null = null;
  if (t?.maxRatio !== undefined && ratio !== undefined) pass = ratio <= t.maxRatio;
  if (t?.maxMs !== undefined) pass = (pass ?? true) && productMs <= t.maxMs;
  const gated = pass !== null && (!t?.at || t.at.includes(m.size));
  return { productMs, referenceMs, ratio, pass, gated };
}
