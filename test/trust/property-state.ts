/**
 * What the property test compares: the user's side of the repository (every file of the main
 * tree, ignored ones included, the index, HEAD, the stash, git's lock files) and the folders
 * around it. Snapshots are plain file reads (see property-git.ts).
 */
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { readCommit, readIndex, readRef, readTree, type TreeEntry } from './property-git.js';

export interface MainState {
  /** Every file under the main tree except .git: `<mode> <content>` (`x` executable, `l` symlink). */
  files: Map<string, string>;
  index: Map<string, string>;
  /** The HEAD file as written (`ref: refs/heads/main`, or a commit id when detached). */
  headFile: string;
  head: string | null;
  /** refs/stash and its reflog, which is what `git stash list` shows. */
  stash: string;
  /** Lock files git leaves in the main repository when a command dies: they block the user's next git command. */
  locks: string[];
}

export async function walkFiles(
  root: string,
  skip: (rel: string) => boolean,
  rel = '',
  out = new Map<string, string>(),
): Promise<Map<string, string>> {
  const names = await readdir(path.join(root, rel)).catch(() => [] as string[]);
  for (const name of names.sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (skip(r)) continue;
    const abs = path.join(root, r);
    const st = await lstat(abs).catch(() => null);
    if (!st) continue;
    if (st.isSymbolicLink()) out.set(r, `l ${await readlink(abs)}`);
    else if (st.isDirectory()) await walkFiles(root, skip, r, out);
    else out.set(r, `${st.mode & 0o111 ? 'x' : 'f'} ${await readFile(abs, 'utf8')}`);
  }
  return out;
}

const MAIN_LOCKS = ['index.lock', 'HEAD.lock', 'config.lock', 'packed-refs.lock', 'refs/stash.lock'];

export async function snapshotMain(root: string): Promise<MainState> {
  const gitDir = path.join(root, '.git');
  const headFile = (await readFile(path.join(gitDir, 'HEAD'), 'utf8')).trim();
  const stashRef = (await readRef(gitDir, 'refs/stash')) ?? '';
  const stashLog = await readFile(path.join(gitDir, 'logs', 'refs', 'stash'), 'utf8').catch(() => '');
  const locks: string[] = [];
  for (const l of MAIN_LOCKS) if (await lstat(path.join(gitDir, l)).catch(() => null)) locks.push(l);
  for (const l of await readdir(path.join(gitDir, 'refs', 'heads')).catch(() => [] as string[]))
    if (l.endsWith('.lock')) locks.push(`refs/heads/${l}`);
  return {
    files: await walkFiles(root, (r) => r === '.git'),
    index: await readIndex(gitDir, root),
    headFile,
    head: await readRef(gitDir, 'HEAD'),
    stash: `${stashRef}\n${stashLog}`,
    locks,
  };
}

export const treeFileValue = (e: TreeEntry, content: string) =>
  `${e.mode === '100755' ? 'x' : e.mode === '120000' ? 'l' : 'f'} ${content}`;
export const treeIndexValue = (e: TreeEntry) => `${e.mode} ${e.sha} 0`;

/** What HEAD must be: exactly this commit, or a new commit with these parents and this tree. */
export type HeadExpectation =
  { exact: string | null } | { parents: string[]; tree: Map<string, TreeEntry>; what: string };

export interface Expected {
  state: MainState;
  head: HeadExpectation;
}

const show = (v: string | undefined) => (v === undefined ? '(absent)' : JSON.stringify(v));

function diffMaps(label: string, want: Map<string, string>, got: Map<string, string>, out: string[]): void {
  for (const k of new Set([...want.keys(), ...got.keys()]))
    if (want.get(k) !== got.get(k))
      out.push(`${label} ${k}: expected ${show(want.get(k))}, got ${show(got.get(k))}`);
}

/** Every difference between the expected and the actual state of the user's side; empty when equal. */
export async function compareMain(commonDir: string, exp: Expected, got: MainState): Promise<string[]> {
  const out: string[] = [];
  diffMaps('file', exp.state.files, got.files, out);
  diffMaps('index', exp.state.index, got.index, out);
  if (exp.state.headFile !== got.headFile)
    out.push(`HEAD file: expected ${exp.state.headFile}, got ${got.headFile}`);
  if (exp.state.stash !== got.stash)
    out.push(`stash: expected ${show(exp.state.stash)}, got ${show(got.stash)}`);
  if (got.locks.length) out.push(`git lock files left in the main repository: ${got.locks.join(', ')}`);
  const h = exp.head;
  if ('exact' in h) {
    if (h.exact !== got.head) out.push(`HEAD commit: expected ${h.exact}, got ${got.head}`);
  } else if (!got.head || h.parents.includes(got.head)) {
    out.push(`HEAD commit: expected a new ${h.what} commit on ${h.parents.join(' + ')}, got ${got.head}`);
  } else {
    const c = await readCommit(commonDir, got.head);
    if (c.parents.join(' ') !== h.parents.join(' '))
      out.push(`HEAD ${got.head}: expected parents ${h.parents.join(' ')}, got ${c.parents.join(' ')}`);
    const tree = await readTree(commonDir, c.tree);
    const as = (m: Map<string, TreeEntry>) => new Map([...m].map(([p, e]) => [p, `${e.mode} ${e.sha}`]));
    diffMaps(`HEAD tree`, as(h.tree), as(tree), out);
  }
  return out;
}

export function describeState(s: MainState): string {
  return [
    `HEAD ${s.headFile} @ ${s.head}`,
    ...[...s.files].map(([p, v]) => `  ${p}: ${JSON.stringify(v)}`),
    ...[...s.index].map(([p, v]) => `  index ${p}: ${v}`),
    `  stash: ${JSON.stringify(s.stash)}`,
  ].join('\n');
}
