import { useCallback, useRef } from 'react';
import type { Repo } from '../../../git/repo.js';
import { runningOverlaps, type ChangedPathsCache, type Overlap } from '../../../tasks/overlap.js';
import type { TaskSummary } from '../../../tasks/summary.js';
import { useLoader } from './loader.js';

const NONE = new Map<number, Overlap>();

/**
 * Which running tasks changed the same files, from their branches (see tasks/overlap.ts). It is
 * loaded after the list is drawn, never in its first frame, and costs nothing while fewer than
 * two tasks run; a branch whose tip did not move is not diffed again.
 */
export function useOverlaps(repo: Repo, rows: readonly TaskSummary[], tick: number): Map<number, Overlap> {
  const running = rows.filter((r) => r.status === 'running').map((r) => r.id);
  const cache = useRef<ChangedPathsCache>(new Map());
  const idsRef = useRef(running);
  idsRef.current = running;
  // Reloads when the tasks change and when the running set does (the list learns that only after
  // its own reload); one key for the repo, so what was shown stays until the new result is in.
  const version = useRef({ ids: '', tick: -1, n: 0 });
  const ids = running.join(',');
  if (version.current.ids !== ids || version.current.tick !== tick)
    version.current = { ids, tick, n: version.current.n + 1 };
  const load = useCallback(() => runningOverlaps(repo, idsRef.current, cache.current), [repo]);
  const loaded = useLoader(load, repo.root, version.current.n);
  if (running.length < 2 || !loaded.data) return NONE;
  // Until the reload is in, a task that stopped running is neither warned nor warned about.
  const now = new Set(running);
  const out = new Map<number, Overlap>();
  for (const [id, o] of loaded.data) if (now.has(id) && o.with.some((w) => now.has(w))) out.set(id, o);
  return out;
}
