/**
 * Fixtures for the sandbox suites: a real repo (the root itself, or a linked worktree inside
 * its `.git` as factory lays them out), a sibling "outside" directory, and a set of hostile
 * symlinks planted in the worktree. Snapshots record every entry under a directory without
 * following links (type, mode, size, mtime, content hash, link target) so any write, delete or
 * touch outside the worktree or inside `.git` shows up as a difference.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink, realpath, symlink, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeRepo, sh, tempDir } from '../helpers/git-repo.js';

export interface Fixture {
  repo: string;
  root: string;
  outside: string;
  gitDir: string;
  tmp: string;
}

/** A file name no test run shares, so "was it created in /tmp?" has a clear answer. */
export const PWN = `factory-pwned-${process.pid}-${Date.now()}.txt`;

export async function makeFixture(kind: 'main' | 'linked'): Promise<Fixture> {
  const repo = await makeRepo({
    'README.md': '# demo\n',
    'src/app.ts': 'export const x = 1;\n',
    'sub/keep.txt': 'keep\n',
  });
  const outside = await tempDir('factory-outside-');
  await writeFile(path.join(outside, 'secret.txt'), 'secret\n');
  let root = repo;
  if (kind === 'linked') {
    root = path.join(repo, '.git', 'factory', 'worktrees', '1');
    sh(repo, 'worktree', 'add', '-q', '-b', 'factory/1-demo', root);
  }
  const gitDir = sh(root, 'rev-parse', '--absolute-git-dir');
  const tmp = await realpath(os.tmpdir());
  const rel = (from: string, to: string) => path.relative(path.join(root, from), to);
  const links: Array<[string, string]> = [
    ['out-link', outside],
    ['tmp-link', tmp],
    ['rel-escape', rel('.', outside)],
    ['chain1', 'chain2'],
    ['chain2', rel('.', outside)],
    ['dangling-out', path.join(rel('.', outside), PWN)],
    ['dangling-in', 'does-not-exist.txt'],
    ['file-link-out', path.join(outside, 'secret.txt')],
    ['sub/deep-link', rel('sub', outside)],
    ['git-link', '.git'],
    ['gitdir-link', gitDir],
    ['gitconfig-link', path.join(gitDir, 'config')],
    ['loop-a', 'loop-b'],
    ['loop-b', 'loop-a'],
    ['self-link', '.'],
    ['parent-link', '..'],
    ['root-link', '/'],
    ['linkdir', outside],
    ['sub/nested/up-link', '../../../'],
  ];
  await mkdir(path.join(root, 'sub', 'nested'), { recursive: true });
  for (const [at, target] of links) await symlink(target, path.join(root, at));
  // A nested `.git` file, as a submodule or a hostile checkout would have.
  await writeFile(path.join(root, 'sub', '.git'), `gitdir: ${path.join(outside, 'fake')}\n`);
  return { repo, root, outside, gitDir, tmp };
}

export interface Entry {
  type: string;
  mode: number;
  size: number;
  mtimeMs: number;
  hash?: string;
  target?: string;
}

export async function snapshot(dir: string): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  async function walk(abs: string, rel: string): Promise<void> {
    const st = await lstat(abs);
    const entry: Entry = { type: 'other', mode: st.mode, size: st.size, mtimeMs: st.mtimeMs };
    if (st.isSymbolicLink()) {
      entry.type = 'link';
      entry.target = await readlink(abs);
    } else if (st.isFile()) {
      entry.type = 'file';
      entry.hash = createHash('sha1')
        .update(await readFile(abs))
        .digest('hex');
    } else if (st.isDirectory()) {
      entry.type = 'dir';
      for (const name of await readdir(abs)) await walk(path.join(abs, name), rel ? `${rel}/${name}` : name);
    }
    out.set(rel || '.', entry);
  }
  await walk(dir, '');
  return out;
}

/** Entries added, removed or changed between two snapshots, for a readable failure. */
export function diffSnapshots(before: Map<string, Entry>, after: Map<string, Entry>): string[] {
  const diffs: string[] = [];
  for (const [k, v] of before) {
    const w = after.get(k);
    if (!w) diffs.push(`removed ${k}`);
    else if (JSON.stringify(v) !== JSON.stringify(w)) diffs.push(`changed ${k}`);
  }
  for (const k of after.keys()) if (!before.has(k)) diffs.push(`added ${k}`);
  return diffs;
}
