/**
 * Reads, writes and deletes inside the worktree, every path through the sandbox. Writes go to a
 * fresh temp file (O_EXCL|O_NOFOLLOW) in the target's directory and are renamed over the target:
 * a rename replaces the directory entry, so a symlink or a hard link planted at the target can
 * never redirect the bytes outside. Parent directories are created one level at a time and each
 * is re-checked with lstat, so a directory swapped for a symlink is noticed.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SandboxError, quotePath, resolveInside, toRelative } from '../sandbox.js';
import { assertEditable } from './edit-guard.js';

// O_NOFOLLOW is missing on Windows; there the sandbox's own checks are the only guard.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;

/** A failure the model can act on (missing file, binary file, ...); not a sandbox violation. */
export class ToolFailure extends Error {
  override name = 'ToolFailure';
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function decodeText(bytes: Buffer, rel: string): string {
  if (bytes.subarray(0, 8000).includes(0))
    throw new ToolFailure(`${rel} is a binary file (${bytes.length} bytes)`);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ToolFailure(`${rel} is not valid UTF-8 text; it cannot be read or edited as text`);
  }
}

/** Opens a regular file without following a final symlink and without blocking on a FIFO. */
async function openRegular(abs: string, rel: string) {
  const fh = await open(abs, constants.O_RDONLY | NOFOLLOW | NONBLOCK).catch((err: unknown) => {
    throw describeFsError(err, rel);
  });
  const st = await fh.stat();
  if (!st.isFile()) {
    await fh.close();
    throw new ToolFailure(
      st.isDirectory() ? `${rel} is a directory; use list_files` : `${rel} is not a regular file`,
    );
  }
  return { fh, size: st.size };
}

/** The length of `bytes` without a multi-byte character the cut split in two. */
function completeUtf8(bytes: Buffer): number {
  let start = bytes.length - 1;
  while (start > 0 && (bytes[start]! & 0xc0) === 0x80) start--;
  const lead = bytes[start] ?? 0;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return bytes.length - start < need ? start : bytes.length;
}

export interface ReadResult {
  /** Worktree-relative path of the file actually read (an in-tree symlink's target). */
  rel: string;
  text: string;
  size: number;
  truncated: boolean;
}

/** Reads a text file, at most `maxBytes` of it (cut on a line boundary when possible). */
export async function readInside(root: string, rel: string, maxBytes = Infinity): Promise<ReadResult> {
  const abs = await resolveInside(root, rel);
  const { fh, size } = await openRegular(abs, rel);
  try {
    const want = Math.min(size, maxBytes);
    const buf = Buffer.alloc(want);
    const { bytesRead } = await fh.read(buf, 0, want, 0);
    let bytes = buf.subarray(0, bytesRead);
    const truncated = size > bytesRead;
    if (truncated) {
      const nl = bytes.lastIndexOf(0x0a);
      if (nl > 0) bytes = bytes.subarray(0, nl + 1);
      else bytes = bytes.subarray(0, completeUtf8(bytes));
    }
    return { rel: toRelative(await realpath(root), abs), text: decodeText(bytes, rel), size, truncated };
  } finally {
    await fh.close();
  }
}

/** The existing file's text, or undefined when there is none (for writes and replaces). */
export async function readExisting(
  root: string,
  rel: string,
  maxBytes: number,
): Promise<{ abs: string; text?: string }> {
  const abs = await resolveInside(root, rel, { forWrite: true });
  await assertEditable(root, abs, rel);
  let st;
  try {
    st = await lstat(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { abs };
    throw describeFsError(err, rel);
  }
  if (st.isDirectory()) throw new ToolFailure(`${rel} is a directory`);
  if (st.size > maxBytes) throw new ToolFailure(`${rel} is too large to edit (${st.size} bytes)`);
  const { fh } = await openRegular(abs, rel);
  try {
    return { abs, text: decodeText(await fh.readFile(), rel) };
  } finally {
    await fh.close();
  }
}

/** Creates each missing directory between the root and `dir`, checking every level is a real directory. */
async function ensureDirs(realRoot: string, dir: string, rel: string): Promise<void> {
  let cur = realRoot;
  for (const part of path.relative(realRoot, dir).split(path.sep).filter(Boolean)) {
    cur = path.join(cur, part);
    try {
      await mkdir(cur);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw describeFsError(err, rel);
    }
    const st = await lstat(cur);
    if (st.isSymbolicLink() || !st.isDirectory()) {
      throw new SandboxError(
        `refused path ${quotePath(rel)}: ${toRelative(realRoot, cur)} is not a plain directory`,
      );
    }
  }
}

/**
 * Writes `content` to the file at the real path `abs` (from readExisting). Keeps the old file's
 * permissions. Returns the worktree-relative path written.
 */
export async function writeAt(root: string, abs: string, rel: string, content: string): Promise<string> {
  const realRoot = await realpath(root);
  const dir = path.dirname(abs);
  await ensureDirs(realRoot, dir, rel);
  // The directory must still be where the sandbox resolved it: nothing swapped it meanwhile.
  if ((await realpath(dir)) !== dir)
    throw new SandboxError(`refused path ${quotePath(rel)}: its directory moved`);

  let mode: number | undefined;
  try {
    const st = await lstat(abs);
    if (st.isDirectory()) throw new ToolFailure(`${rel} is a directory`);
    if (st.isFile()) mode = st.mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }

  const tmp = path.join(
    dir,
    `.${path.basename(abs).slice(0, 180)}.factory-${randomBytes(6).toString('hex')}.tmp`,
  );
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o666);
  try {
    try {
      await fh.writeFile(content, 'utf8');
      if (mode !== undefined) await fh.chmod(mode);
    } finally {
      await fh.close();
    }
    if ((await realpath(dir)) !== dir)
      throw new SandboxError(`refused path ${quotePath(rel)}: its directory moved`);
    await rename(tmp, abs);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  return toRelative(realRoot, abs);
}

/**
 * Deletes one file. A symlink is removed itself (never its target), but only when its target
 * would be allowed too, so the model cannot use delete to probe outside. Directories are refused.
 */
export async function deleteInside(root: string, rel: string): Promise<string> {
  // Checks the whole path, including where a final symlink points.
  await assertEditable(root, await resolveInside(root, rel, { forWrite: true }), rel);
  const realRoot = await realpath(root);
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  const name = parts.pop()!;
  const dir = parts.length > 0 ? await resolveInside(root, parts.join('/')) : realRoot;
  const abs = path.join(dir, name);
  let st;
  try {
    st = await lstat(abs);
  } catch (err) {
    throw describeFsError(err, rel);
  }
  if (st.isDirectory()) throw new ToolFailure(`${rel} is a directory; delete the files in it one by one`);
  await unlink(abs).catch((err: unknown) => {
    throw describeFsError(err, rel);
  });
  return toRelative(realRoot, abs);
}

/** Turns a filesystem error into a message the model can act on. */
export function describeFsError(err: unknown, rel: string): Error {
  if (err instanceof SandboxError || err instanceof ToolFailure) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return new ToolFailure(`${rel} does not exist`);
    case 'EISDIR':
      return new ToolFailure(`${rel} is a directory`);
    case 'ENOTDIR':
      return new ToolFailure(`a parent of ${rel} is not a directory`);
    case 'ELOOP':
      return new SandboxError(`refused path ${quotePath(rel)}: it is a symbolic link`);
    case 'EACCES':
    case 'EPERM':
      return new ToolFailure(`${rel}: permission denied`);
    case 'ENAMETOOLONG':
      return new SandboxError(`refused path ${quotePath(rel)}: the name is too long`);
    default:
      return err instanceof Error ? err : new Error(String(err));
  }
}
