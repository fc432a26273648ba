/**
 * The guards after a failed verdict: no progress over several attempts (the same error, the same
 * change), or the task's token budget used up. Either ends the run; otherwise the next attempt starts.
 */
import type { ExecResult } from '../types.js';
import { normalizeErrorTail, type StagnationGuard } from '../stagnation.js';
import type { TokenBudget } from '../tokens.js';

export function guards(
  stagnation: StagnationGuard,
  budget: TokenBudget,
  exec: ExecResult | null,
  diff: string,
): { outcome: 'stagnated' | 'budget'; reason: string } | null {
  const stag = stagnation.record({ errorTail: exec ? normalizeErrorTail(exec.output) : null, diff });
  if (stag.stagnated) return { outcome: 'stagnated', reason: stag.reason ?? 'no progress' };
  if (budget.exhausted)
    return { outcome: 'budget', reason: `token budget of ${budget.total} used up (${budget.used})` };
  return null;
}
