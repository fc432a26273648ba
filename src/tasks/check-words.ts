import type { AttemptInfo } from '../git/history.js';
import type { TaskEvent } from './record.js';

/**
 * How an attempt's check went, in words. An attempt commit without an exit code either never got
 * to its check, or its check was started and then stopped (Ctrl-C, `factory cancel`): the event
 * log tells the two apart, so a check killed mid-run is not reported as "not run".
 */
export function checkWords(
  a: Pick<AttemptInfo, 'n' | 'commit' | 'checkExit' | 'outcome'>,
  events: TaskEvent[],
): string {
  if (a.checkExit !== null) return `check exit ${a.checkExit}`;
  const mine = events.filter((e) => e.attempt === a.n);
  const started = mine.some((e) => e.type === 'phase' && e.phase === 'check');
  const finished = mine.find((e) => e.type === 'check');
  if (finished?.timedOut) return 'check timed out';
  if (finished) return 'check killed';
  if (!a.commit) return started ? 'check running' : 'check pending';
  if (started) return a.outcome === 'cancelled' ? 'check stopped (cancelled)' : 'check stopped';
  return 'check not run';
}
