/**
 * Whether the main model and the describer fit in memory together, decided before either is
 * started. A server that already runs is in memory already: the free memory has counted it, so
 * only the servers still to start are added up (counting it again would refuse a start that fits).
 */
import { gb, type MemoryEstimate } from './model-memory.js';

export interface ServerNeed {
  /** "main" or "describer": how messages name it. */
  name: string;
  estimate: MemoryEstimate;
  /** Already running: in memory, so not added to what is needed. */
  running: boolean;
}

export type MemoryVerdict =
  /** Fits, or nothing to start: `line` says what was compared. */
  | { kind: 'fits'; line: string; need: number; free: number }
  /** Some size is unknown and what is known fits: a notice, and the start goes on. */
  | { kind: 'unknown'; line: string; free: number }
  /** Does not fit: the refusal's message (unless --force). */
  | { kind: 'too-much'; line: string; need: number; free: number };

const figure = (n: ServerNeed) => (n.estimate.bytes === null ? 'unknown' : gb(n.estimate.bytes));

export function checkMemory(needs: ServerNeed[], free: number): MemoryVerdict {
  const toStart = needs.filter((n) => !n.running);
  const known = toStart.filter((n) => n.estimate.bytes !== null);
  const need = known.reduce((sum, n) => sum + n.estimate.bytes!, 0);
  const unknown = toStart.filter((n) => n.estimate.bytes === null);
  const running = needs.filter((n) => n.running);
  const already = running.length
    ? `; ${running.map((n) => `the ${n.name} model (${figure(n)}) already runs and is counted in the free memory`).join(', ')}`
    : '';
  const parts = toStart.map((n) => `${n.name} ${figure(n)}`).join(', ');
  const subject =
    toStart.length > 1
      ? `the two models need about ${gb(need)}`
      : `the ${toStart[0]?.name ?? ''} model needs about ${gb(need)}`;
  const partsText = toStart.length > 1 || unknown.length ? ` (${parts})` : '';
  if (need > free) {
    const partial = unknown.length ? ' even without the unknown one' : '';
    const them = toStart.length > 1 ? 'them' : 'it';
    return {
      kind: 'too-much',
      need,
      free,
      line: `${subject}${partsText}${partial} by factory's estimate${already}, but ${gb(free)} of memory is free; use --force to start ${them} anyway`,
    };
  }
  if (unknown.length)
    return {
      kind: 'unknown',
      free,
      line: `cannot estimate whether the models fit in memory (${gb(free)} free): ${unknown.map((n) => `${n.name}: ${n.estimate.from}`).join('; ')}`,
    };
  return {
    kind: 'fits',
    need,
    free,
    line: toStart.length
      ? `${subject}${partsText} by factory's estimate${already}; ${gb(free)} is free`
      : `both models already run`,
  };
}
