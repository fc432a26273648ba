import { useCallback, useMemo } from 'react';
import type { Repo } from '../../../git/repo.js';
import { formatAddress, type Address } from '../../../tasks/address.js';
import { diffOf, type DiffView } from '../../../tasks/diff.js';
import { buildDiffLines, type BuiltDiff } from '../diff-lines.js';
import { useLoader } from './loader.js';

export interface LoadedDiff {
  diff?: DiffView;
  built?: BuiltDiff;
  error?: string;
  loading: boolean;
}

/**
 * The diff of an address, with its display lines built once: scrolling only slices them.
 * It is a snapshot; it does not follow a running task (reopen it to see newer commits).
 */
export function useDiff(repo: Repo, addr: Address): LoadedDiff {
  const key = formatAddress(addr);
  // Keyed by the address text: callers may build a new but equal address object on every render.
  const load = useCallback(() => diffOf(repo, addr), [repo, key]);
  const loaded = useLoader(load, key, 0);
  const built = useMemo(
    () => (loaded.data ? buildDiffLines(loaded.data.files, loaded.data.patch) : undefined),
    [loaded.data],
  );
  return { diff: loaded.data, built, error: loaded.error, loading: loaded.loading };
}
