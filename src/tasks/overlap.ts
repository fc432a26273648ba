import type { Repo } from '../git/repo.js';
import { branchRef } from '../git/refs.js';
import { refOid } from '../git/ref-files.js';
import { git } from '../git/run.js';
import { visible } from '../visible.js';
import { readRecord } from './record.js';

/** What one running task shares with the other running tasks. */
export interface Overlap {
  /** The other tasks that touched at least one of the same files, in id order. */
  with: number[];
  /** The shared files, sorted. */
  files: string[];
}

/**
 * For each task, the other tasks that touched a file it touched too, and which files: an early
 * warning that two tasks running side by side will meet again at merge time. Tasks with nothing
 * shared are left out of the map. The caller passes only the tasks that are still running.
 */
export function overlaps(tasks: readonly { id: number; paths: Iterable<string> }[]): Map<number, Overlap> {
  const byPath = new Map<string, Set<number>>();
  for (const t of tasks)
    for (const p of t.paths) {
      let ids = byPath.get(p);
      if (!ids) byPath.set(p, (ids = new Set()));
      ids.add(t.id);
    }
  const out = new Map<number, { with: Set<number>; files: Set<string> }>();
  for (const [p, ids] of byPath) {
    if (ids.size < 2) continue;
    for (const id of ids) {
      let o = out.get(id);
      if (!o) out.set(id, (o = { with: new Set(), files: new Set() }));
      o.files.add(p);
      for (const other of ids) if (other !== id) o.with.add(other);
    }
  }
  return new Map(
    [...out].map(([id, o]) => [id, { with: [...o.with].sort((a, b) => a - b), files: [...o.files].sort() }]),
  );
}

/** Changed paths per `base..tip`; a commit pair never changes its diff, so entries never go stale. */
export type ChangedPathsCache = Map<string, string[]>;

const CACHE_KEPT = 256;

/** The paths a branch changed against its base, as the merge will see them. */
async function changedPaths(
  repo: Repo,
  base: string,
  tip: string,
  cache?: ChangedPathsCache,
): Promise<string[]> {
  if (base === tip) return [];
  const key = `${base}..${tip}`;
  const hit = cache?.get(key);
  if (hit) return hit;
  const r = await git(['diff', '--name-only', '--no-renames', '-z', base, tip], { cwd: repo.root });
  const paths = r.stdout.split('\0').filter(Boolean);
  if (cache) {
    // Tips move with every step commit: the oldest entries go first.
    if (cache.size >= CACHE_KEPT) cache.delete(cache.keys().next().value!);
    cache.set(key, paths);
  }
  return paths;
}

/**
 * The overlaps of the given (running) tasks from git: each task's branch against its base. A
 * task's step commits land on its branch as each edit is made, so this is what the task has
 * touched so far (net: a file changed and then restored no longer counts). Fewer than two tasks
 * cannot overlap and cost no git call; a task whose record or branch is gone is skipped.
 */
export async function runningOverlaps(
  repo: Repo,
  ids: readonly number[],
  cache?: ChangedPathsCache,
): Promise<Map<number, Overlap>> {
  if (ids.length < 2) return new Map();
  const tasks = await Promise.all(
    ids.map(async (id) => {
      const rec = await readRecord(repo, id).catch(() => null);
      const tip = rec ? await refOid(repo, branchRef(rec.branch)) : null;
      if (!rec || !tip) return null;
      return { id, paths: await changedPaths(repo, rec.base, tip, cache) };
    }),
  );
  return overlaps(tasks.filter((t) => t !== null));
}

const IDS_SHOWN = 3;

/**
 * `⚠ also 3: src/api.ts +1` (the other tasks, the first shared file, how many more), at most
 * about `width` characters: a long path keeps its end, where the file's name is.
 */
export function overlapMark(o: Overlap, width = 40): string {
  const ids = o.with.slice(0, IDS_SHOWN).join(',') + (o.with.length > IDS_SHOWN ? ',…' : '');
  const head = `⚠ also ${ids}: `;
  const more = o.files.length > 1 ? ` +${o.files.length - 1}` : '';
  const room = Math.max(8, width - head.length - more.length);
  // A path is the model's text: shown with its control characters made visible.
  const chars = [...visible(o.files[0] ?? '')];
  const file = chars.join('');
  const shown = chars.length > room ? `…${chars.slice(chars.length - room + 1).join('')}` : file;
  return `${head}${shown}${more}`;
}
