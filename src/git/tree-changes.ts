/**
 * What differs between two commits, path by path (no rename detection), with git's status letter
 * (A added, D deleted, M modified, T type changed); and the net change of a chain of such diffs,
 * which the merge queue uses to judge its landing without diffing the whole chain once more.
 */
import { gitOut } from './run.js';
import type { Repo } from './repo.js';

export type TreeChange = Map<string, string>;

const STATUS = /^[A-Z]$/;

/** `--name-status -z` output: a status, then a path, each ending in NUL. */
function parseNameStatus(fields: string[], out: TreeChange = new Map()): TreeChange {
  for (let i = 0; i + 1 < fields.length; i += 2) out.set(fields[i + 1]!, fields[i]!);
  return out;
}

export async function treeChange(repo: Repo, from: string, to: string): Promise<TreeChange> {
  const out = await gitOut(['diff-tree', '-r', '-z', '--name-status', '--no-renames', from, to], {
    cwd: repo.root,
  });
  return parseNameStatus(out.split('\0'));
}

/**
 * Several diffs in one git process (`diff-tree --stdin`): each line `<to> <from>` is read as the
 * commit `to` with `from` for its parent, and its diff follows a line naming `to`. So each `to`
 * must be given once; when one is not, each diff runs on its own.
 */
export async function treeChanges(repo: Repo, pairs: { from: string; to: string }[]): Promise<TreeChange[]> {
  const tos = new Set(pairs.map((p) => p.to));
  if (pairs.length < 2 || tos.size < pairs.length)
    return Promise.all(pairs.map((p) => treeChange(repo, p.from, p.to)));
  const out = await gitOut(['diff-tree', '--stdin', '-r', '-z', '--name-status', '--no-renames'], {
    cwd: repo.root,
    input: pairs.map((p) => `${p.to} ${p.from}\n`).join(''),
  });
  const byTo = new Map<string, TreeChange>(pairs.map((p) => [p.to, new Map()]));
  const fields = out.split('\0');
  let current: TreeChange | undefined;
  // A status letter is followed by its path; any other field names the next diff's commit (a
  // commit with no difference prints nothing at all).
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (current && STATUS.test(f) && i + 1 < fields.length) current.set(fields[++i]!, f);
    else if (f) {
      current = byTo.get(f.trim());
      if (!current) throw new Error(`git diff-tree --stdin named a commit it was not given: ${f}`);
    }
  }
  return pairs.map((p) => byTo.get(p.to)!);
}

/**
 * The change from the first commit of a chain to its last, given the diff of each step: the paths
 * added and deleted exactly, and every path any step touched (a path changed and changed back
 * is among them: a superset of what differs, which is what a refusal of dirty files needs).
 */
export function netChange(steps: TreeChange[]): {
  files: string[];
  added: string[];
  deleted: Set<string>;
  /** The paths there at the start (their first change does not add them). */
  existing: string[];
} {
  const first = new Map<string, string>();
  const last = new Map<string, string>();
  for (const step of steps)
    for (const [file, status] of step) {
      if (!first.has(file)) first.set(file, status);
      last.set(file, status);
    }
  const files = [...first.keys()];
  return {
    files,
    // Not there at the start (its first change adds it), there at the end (its last does not delete it).
    added: files.filter((f) => first.get(f) === 'A' && last.get(f) !== 'D'),
    deleted: new Set(files.filter((f) => first.get(f) !== 'A' && last.get(f) === 'D')),
    existing: files.filter((f) => first.get(f) !== 'A'),
  };
}

/** Every folder above each path of a change (`a`, `a/b` for `a/b/c`). */
function folders(change: TreeChange): Set<string> {
  const out = new Set<string>();
  for (const file of change.keys()) {
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i++) out.add(parts.slice(0, i).join('/'));
  }
  return out;
}

/**
 * Whether merging two changes made from the same commit could conflict; when not, merge-tree
 * need not be asked. They could when they touch a common path, when a path of one is a folder
 * of the other's, or when one deletes a file: a rename (a delete and an add here), and with it
 * git's folder-rename detection, can move the other's new files onto its own.
 */
export function mayConflict(a: TreeChange, b: TreeChange): boolean {
  for (const change of [a, b]) for (const status of change.values()) if (status === 'D') return true;
  for (const file of a.keys()) if (b.has(file)) return true;
  const underA = folders(a);
  const underB = folders(b);
  for (const file of a.keys()) if (underB.has(file)) return true;
  for (const file of b.keys()) if (underA.has(file)) return true;
  return false;
}
