/**
 * Reading refs straight from the ref files, for commands that only display (`factory list`,
 * `show`, `diff`): a git process per lookup was a large part of their start-up. git documents
 * the "files" ref backend: a ref is a loose file `<common dir>/<refname>` holding its object id,
 * or a line `<oid> <refname>` of `packed-refs`, and a loose file wins over a packed line.
 *
 * Every reader answers `undefined` when the files say anything it does not know for sure (the
 * reftable backend, a symbolic ref, a line it cannot read): the caller then asks git. Loose files
 * are listed before `packed-refs` is read, as git does, so a concurrent `git pack-refs` (which
 * writes packed-refs before it deletes the loose files) cannot hide a ref.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { git } from './run.js';

const OID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** Whether the repository keeps its refs in files (not reftable): the only layout read here. */
async function filesBackend(commonDir: string): Promise<boolean> {
  const table = await stat(path.join(commonDir, 'reftable')).catch(() => null);
  if (table) return false;
  return (await stat(path.join(commonDir, 'refs')).catch(() => null))?.isDirectory() ?? false;
}

/** A loose ref file's object id; undefined for anything else (a symbolic ref, a torn write). */
function looseOid(text: string): string | undefined {
  const oid = text.trim();
  return OID.test(oid) ? oid : undefined;
}

/** Loose refs under `dir` (a folder for `prefix`), added to `out`; false when one is not plain. */
async function readLoose(commonDir: string, prefix: string, out: Map<string, string>): Promise<boolean> {
  const dir = path.join(commonDir, prefix);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
  // All entries at once: read one after another, the few dozen ref files of 20 tasks took tens of
  // milliseconds of `factory list` and of the review's first frame. The caller sorts the refs.
  const plain = await Promise.all(
    entries.map(async (e) => {
      // A `.lock` file is a ref being written; git skips it too (no ref name ends in .lock).
      if (e.name.endsWith('.lock')) return true;
      const ref = `${prefix}${e.name}`;
      if (e.isDirectory()) return readLoose(commonDir, `${ref}/`, out);
      if (!e.isFile()) return false;
      const text = await readFile(path.join(dir, e.name), 'utf8').catch(() => null);
      // Gone since the listing: packed meanwhile (read below), or deleted.
      if (text === null) return true;
      const oid = looseOid(text);
      if (!oid) return false;
      out.set(ref, oid);
      return true;
    }),
  );
  return plain.every(Boolean);
}

/** The refs of `packed-refs` that start with one of `prefixes`; undefined when a line is unknown. */
async function readPacked(commonDir: string, prefixes: string[]): Promise<Map<string, string> | undefined> {
  const text = await readFile(path.join(commonDir, 'packed-refs'), 'utf8').catch(
    (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? '' : null),
  );
  if (text === null) return undefined;
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    // The header, and the peeled object of the annotated tag above.
    if (line === '' || line.startsWith('#') || line.startsWith('^')) continue;
    const m = /^([0-9a-f]+) (\S+)$/.exec(line);
    if (!m || !OID.test(m[1]!)) return undefined;
    if (prefixes.some((p) => m[2]!.startsWith(p))) out.set(m[2]!, m[1]!);
  }
  return out;
}

/**
 * Every ref whose name starts with one of `prefixes` (each ending in `/`, like `refs/factory/`),
 * with its object id, as `git for-each-ref <prefixes>` lists them; undefined when unsure.
 */
export async function readRefs(
  commonDir: string,
  prefixes: string[],
): Promise<Map<string, string> | undefined> {
  if (!(await filesBackend(commonDir))) return undefined;
  const loose = new Map<string, string>();
  for (const prefix of prefixes) if (!(await readLoose(commonDir, prefix, loose))) return undefined;
  const packed = await readPacked(commonDir, prefixes);
  if (!packed) return undefined;
  for (const [ref, oid] of loose) packed.set(ref, oid);
  return new Map([...packed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * One ref by its full name (`refs/heads/factory/3-x`): its object id, null when there is no such
 * ref, undefined when unsure.
 */
export async function readRef(commonDir: string, ref: string): Promise<string | null | undefined> {
  if (!/^refs\/[^\0]+$/.test(ref) || ref.split('/').some((part) => part === '..' || part === '.'))
    return undefined;
  if (!(await filesBackend(commonDir))) return undefined;
  const text = await readFile(path.join(commonDir, ref), 'utf8').catch((e: NodeJS.ErrnoException) =>
    e.code === 'ENOENT' || e.code === 'ENOTDIR' ? null : undefined,
  );
  if (text === undefined) return undefined;
  if (text !== null) return looseOid(text);
  const packed = await readPacked(commonDir, [ref]);
  if (!packed) return undefined;
  return packed.get(ref) ?? null;
}

/** Where the ref files are, and where git runs when they cannot be read. */
export interface RefPlace {
  root: string;
  commonDir: string;
}

/** `readRefs`, or `git for-each-ref` when the files cannot say. */
export async function listRefs(repo: RefPlace, prefixes: string[]): Promise<Map<string, string>> {
  const known = await readRefs(repo.commonDir, prefixes);
  if (known) return known;
  const out = await git(['for-each-ref', '--format=%(objectname) %(refname)', ...prefixes], {
    cwd: repo.root,
  });
  const refs = new Map<string, string>();
  for (const line of out.stdout.split('\n')) {
    const [oid, ref] = line.split(' ');
    if (oid && ref) refs.set(ref, oid);
  }
  return refs;
}

/** `readRef`, or `git rev-parse --verify` when the files cannot say: the object id, or null. */
export async function refOid(repo: RefPlace, ref: string): Promise<string | null> {
  const known = await readRef(repo.commonDir, ref);
  if (known !== undefined) return known;
  const r = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', ref], {
    cwd: repo.root,
    allowFail: true,
  });
  return r.code === 0 ? r.stdout.trim() : null;
}

/**
 * The commit the main worktree's HEAD is at, from its HEAD file (a symbolic ref to a branch, or a
 * detached object id), or `git rev-parse HEAD` when the files cannot say.
 */
export async function headOid(repo: RefPlace): Promise<string> {
  // The main worktree's HEAD is the common dir's own when the root's `.git` is that folder.
  if (path.resolve(repo.root, '.git') === path.resolve(repo.commonDir)) {
    const text = (await readFile(path.join(repo.commonDir, 'HEAD'), 'utf8').catch(() => '')).trim();
    const sym = /^ref: (refs\/\S+)$/.exec(text);
    const known = sym ? await readRef(repo.commonDir, sym[1]!) : looseOid(text);
    if (known) return known;
  }
  return (await git(['rev-parse', 'HEAD'], { cwd: repo.root })).stdout.trim();
}
