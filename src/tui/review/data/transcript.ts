import { useCallback } from 'react';
import type { Repo } from '../../../git/repo.js';
import { readEvents } from '../../../tasks/record.js';
import { transcriptLines } from '../../../tasks/transcript.js';
import { useLoader, type Loaded } from './loader.js';

/** The task's short transcript (what `factory log --short` prints), reloaded as its log grows. */
export function useShortTranscript(repo: Repo, id: number, tick: number): Loaded<string[]> {
  const load = useCallback(
    async () => transcriptLines(await readEvents(repo, id), { short: true }),
    [repo, id],
  );
  return useLoader(load, `${id}`, tick);
}
