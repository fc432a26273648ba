/**
 * Reading git's on-disk state from the test without starting git: loose objects, refs and the
 * index. The property test checks the user's repository after every operation, and a git process
 * per check would make 200 sequences slow; these readers are plain file reads, with git itself as
 * the fallback for anything they do not understand (a packed object or ref, index version 4).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inflateSync } from 'node:zlib';

const cleanEnv = (() => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  env.GIT_OPTIONAL_LOCKS = '0';
  env.LC_ALL = 'C';
  return env;
})();

export interface TestGitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Test-side git, asynchronous so several sequences can run at once in one process. */
export function tgit(cwd: string, args: string[], input?: string): Promise<TestGitResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'git',
      [
        '-c',
        'user.name=Test User',
        '-c',
        'user.email=test@example.com',
        '-c',
        'core.hooksPath=/dev/null',
        ...args,
      ],
      { cwd, env: cleanEnv, encoding: 'utf8', maxBuffer: 64 << 20 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}

/** The id git gives a blob with this content. */
export function blobSha(content: string | Buffer): string {
  const body = typeof content === 'string' ? Buffer.from(content) : content;
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${body.length}\0`), body]))
    .digest('hex');
}

export interface GitObject {
  type: string;
  body: Buffer;
}

export async function readObject(commonDir: string, sha: string): Promise<GitObject> {
  const file = path.join(commonDir, 'objects', sha.slice(0, 2), sha.slice(2));
  const raw = await readFile(file).catch(() => null);
  if (raw) {
    const data = inflateSync(raw);
    const nul = data.indexOf(0);
    return { type: data.subarray(0, data.indexOf(32)).toString(), body: data.subarray(nul + 1) };
  }
  const t = await tgit(commonDir, ['cat-file', '-t', sha]);
  if (t.code !== 0) throw new Error(`object ${sha} is missing: ${t.stderr.trim()}`);
  const type = t.stdout.trim();
  const body = await new Promise<Buffer>((resolve, reject) =>
    execFile(
      'git',
      ['cat-file', type, sha],
      { cwd: commonDir, env: cleanEnv, encoding: 'buffer', maxBuffer: 64 << 20 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    ),
  );
  return { type, body };
}

export interface TreeEntry {
  /** `100644`, `100755`, `120000`. */
  mode: string;
  sha: string;
}

/** Every file of a tree, recursively, by path. */
export async function readTree(commonDir: string, sha: string, prefix = ''): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>();
  const { type, body } = await readObject(commonDir, sha);
  if (type !== 'tree') throw new Error(`${sha} is a ${type}, not a tree`);
  let i = 0;
  while (i < body.length) {
    const sp = body.indexOf(32, i);
    const nul = body.indexOf(0, sp);
    const mode = body.subarray(i, sp).toString();
    const name = body.subarray(sp + 1, nul).toString();
    const id = body.subarray(nul + 1, nul + 21).toString('hex');
    i = nul + 21;
    if (mode === '40000')
      for (const [p, e] of await readTree(commonDir, id, `${prefix}${name}/`)) out.set(p, e);
    else out.set(`${prefix}${name}`, { mode: mode.padStart(6, '0'), sha: id });
  }
  return out;
}

export interface CommitInfo {
  tree: string;
  parents: string[];
}

export async function readCommit(commonDir: string, sha: string): Promise<CommitInfo> {
  const { type, body } = await readObject(commonDir, sha);
  if (type !== 'commit') throw new Error(`${sha} is a ${type}, not a commit`);
  const head = body.toString('utf8').split('\n\n')[0]!.split('\n');
  return {
    tree: head.find((l) => l.startsWith('tree '))!.slice(5),
    parents: head.filter((l) => l.startsWith('parent ')).map((l) => l.slice(7)),
  };
}

/** A ref's value (loose file, then packed-refs), or null. */
export async function readRef(commonDir: string, ref: string): Promise<string | null> {
  const loose = await readFile(path.join(commonDir, ref), 'utf8').catch(() => null);
  if (loose !== null) {
    const v = loose.trim();
    if (v.startsWith('ref: ')) return readRef(commonDir, v.slice(5));
    return v;
  }
  const packed = await readFile(path.join(commonDir, 'packed-refs'), 'utf8').catch(() => '');
  for (const line of packed.split('\n')) {
    const [sha, name] = line.split(' ');
    if (name === ref && sha && /^[0-9a-f]{40}$/.test(sha)) return sha;
  }
  return null;
}

/**
 * The index as `git ls-files -s --debug` would list what matters: mode, blob, stage and the
 * assume-unchanged/skip-worktree/intent-to-add flags, per path. Stat data is left out on purpose:
 * any `git status` may refresh it.
 */
export async function readIndex(gitDir: string, cwd: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const buf = await readFile(path.join(gitDir, 'index')).catch(() => null);
  if (!buf) return out;
  const version = buf.readUInt32BE(4);
  if (buf.subarray(0, 4).toString() !== 'DIRC' || (version !== 2 && version !== 3)) {
    const r = await tgit(cwd, ['ls-files', '-s', '-z']);
    for (const e of r.stdout.split('\0').filter(Boolean)) {
      const tab = e.indexOf('\t');
      out.set(e.slice(tab + 1), e.slice(0, tab));
    }
    return out;
  }
  const count = buf.readUInt32BE(8);
  let off = 12;
  for (let n = 0; n < count; n++) {
    const mode = buf.readUInt32BE(off + 24);
    const sha = buf.subarray(off + 40, off + 60).toString('hex');
    const flags = buf.readUInt16BE(off + 60);
    const extended = version >= 3 && (flags & 0x4000) !== 0;
    const xflags = extended ? buf.readUInt16BE(off + 62) : 0;
    const nameStart = off + (extended ? 64 : 62);
    const nameEnd = buf.indexOf(0, nameStart);
    const name = buf.subarray(nameStart, nameEnd).toString('utf8');
    const stage = (flags >> 12) & 3;
    const marks = `${flags & 0x8000 ? ' assume-valid' : ''}${xflags & 0x4000 ? ' skip-worktree' : ''}${xflags & 0x2000 ? ' intent-to-add' : ''}`;
    out.set(stage ? `${name}#${stage}` : name, `${mode.toString(8)} ${sha} ${stage}${marks}`);
    const headerLen = extended ? 64 : 62;
    off += (headerLen + (nameEnd - nameStart) + 8) & ~7;
  }
  return out;
}
