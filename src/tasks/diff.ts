import type { Repo } from '../git/repo.js';
import { git } from '../git/run.js';
import type { Address } from './address.js';
import { changeOf } from './history.js';

export interface FileStat {
  path: string;
  /** null for binary files. */
  added: number | null;
  removed: number | null;
}

export interface DiffView {
  from: string;
  to: string;
  files: FileStat[];
  /** The unified diff text. */
  patch: string;
}

/** The change an address names (task vs base, one attempt, or one step), as text and per-file counts. */
export async function diffOf(repo: Repo, addr: Address): Promise<DiffView> {
  const r = await changeOf(repo, addr);
  const [numstat, patch] = await Promise.all([
    git(['diff', '--numstat', '-z', r.before, r.commit], { cwd: repo.root }),
    git(['diff', '--no-color', '--no-ext-diff', r.before, r.commit], { cwd: repo.root }),
  ]);
  const files = [...numstat.stdout.matchAll(/(-|\d+)\t(-|\d+)\t([^\0]*)\0/g)].map((m) => ({
    path: m[3]!,
    added: m[1] === '-' ? null : Number(m[1]),
    removed: m[2] === '-' ? null : Number(m[2]),
  }));
  return { from: r.before, to: r.commit, files, patch: patch.stdout };
}
