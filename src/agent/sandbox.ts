/**
 * Confines every path a model names to the task's worktree. The model is untrusted: a path is
 * checked as text first (cheap, and the refusal message can say exactly what is wrong), then
 * walked on disk one component at a time so a symlink anywhere on the way is resolved and must
 * land inside the worktree. Messages go back to the model as tool errors, so they say what to do.
 *
 * Not covered here: races with another process swapping a directory for a symlink between this
 * check and the write. The writers (tools/safe-fs.ts) narrow that window by re-checking and by
 * writing with O_NOFOLLOW + rename; nothing runs in the worktree while edits are applied.
 */
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { FactoryError } from '../errors.js';

export class SandboxError extends FactoryError {
  constructor(message: string) {
    super(message, { exitCode: 2 });
    this.name = 'SandboxError';
  }
}

const MAX_PATH_BYTES = 4096;
const MAX_NAME_BYTES = 255;

// C0, DEL and C1 controls, plus the bidi overrides that make a name display as something else.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
// Characters HFS+ ignores when comparing names, so `.g\u200cit` is `.git` on a Mac (as in git's own check).
const HFS_IGNORABLE = /[\u200b-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/** Quoted for a message: control characters visible, length bounded. */
export function quotePath(rel: string): string {
  const q = JSON.stringify(rel);
  return q.length > 120 ? `${q.slice(0, 100)}…" (${Buffer.byteLength(rel)} bytes)` : q;
}

/**
 * True for a name git would treat as its own directory on some filesystem: any case (`.GIT` on
 * case-insensitive disks), trailing dots/spaces and `::$DATA` streams (NTFS), the 8.3 short
 * name `git~1`, and HFS+ ignorable characters.
 */
export function isGitName(name: string): boolean {
  const n = name
    .replace(HFS_IGNORABLE, '')
    .toLowerCase()
    .split(':')[0]!
    .replace(/[. ]+$/, '');
  return n === '.git' || n === 'git~1';
}

function refuse(rel: string, why: string): SandboxError {
  return new SandboxError(`refused path ${quotePath(rel)}: ${why}`);
}

/**
 * Checks a worktree-relative path as text and returns its components (no `.`, no empty ones).
 * An empty list means the worktree root itself.
 */
export function checkRelativePath(rel: unknown, opts: { forWrite?: boolean } = {}): string[] {
  if (typeof rel !== 'string') throw new SandboxError('refused path: it must be a string');
  if (rel.trim() === '') throw refuse(rel, 'the path is empty; name a file relative to the repository root');
  if (CONTROL.test(rel)) throw refuse(rel, 'it contains NUL, control or invisible formatting characters');
  if (rel !== rel.trim()) throw refuse(rel, 'it starts or ends with spaces');
  if (Buffer.byteLength(rel) > MAX_PATH_BYTES) throw refuse(rel, `it is longer than ${MAX_PATH_BYTES} bytes`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rel)) throw refuse(rel, 'it is a URL; name a file in the repository');
  if (rel.startsWith('/'))
    throw refuse(rel, 'absolute paths are not allowed; use a path relative to the repository root');
  if (/^[a-z]:/i.test(rel))
    throw refuse(rel, 'Windows drive paths are not allowed; use a relative path with forward slashes');
  if (rel.includes('\\'))
    throw refuse(rel, 'backslashes are not allowed; separate directories with forward slashes');
  if (rel.startsWith('~'))
    throw refuse(rel, '`~` (home directory) is not allowed; use a path relative to the repository root');
  if (opts.forWrite && rel.endsWith('/')) throw refuse(rel, 'it ends with `/`; name a file, not a directory');

  const parts: string[] = [];
  for (const part of rel.split('/')) {
    if (part === '' || part === '.') continue;
    // Any `..` is refused, even one that would stay inside: the model never needs it and a
    // lexical rule cannot be fooled by symlinks the way `a/../b` normalisation can.
    if (part === '..') throw refuse(rel, '`..` is not allowed; use a path relative to the repository root');
    if (Buffer.byteLength(part) > MAX_NAME_BYTES)
      throw refuse(rel, `a name is longer than ${MAX_NAME_BYTES} bytes`);
    if (isGitName(part)) throw refuse(rel, 'files under `.git` belong to git and cannot be touched');
    parts.push(part);
  }
  if (opts.forWrite && parts.length === 0) throw refuse(rel, 'it is the repository root; name a file');
  return parts;
}

/** The path of `abs` inside `realRoot` as components, or undefined when it is outside. */
function componentsInside(realRoot: string, abs: string): string[] | undefined {
  const rel = path.relative(realRoot, abs);
  if (rel === '') return [];
  if (path.isAbsolute(rel) || rel === '..' || rel.startsWith(`..${path.sep}`)) return undefined;
  return rel.split(path.sep);
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/**
 * The absolute real path that `rel` names inside the worktree `root`, following symlinks that
 * stay inside (so a write through an in-tree link lands on its target). Throws SandboxError for
 * anything that leaves the worktree or touches `.git`; the message is meant for the model.
 * Missing trailing components are fine (a file to create); they contain no symlinks yet.
 */
export async function resolveInside(
  root: string,
  rel: string,
  opts: { forWrite?: boolean } = {},
): Promise<string> {
  const parts = checkRelativePath(rel, opts);
  const realRoot = await realpath(root);
  let cur = realRoot;
  for (let i = 0; i < parts.length; i++) {
    const next = path.join(cur, parts[i]!);
    let st;
    try {
      st = await lstat(next);
    } catch (err) {
      if (errCode(err) === 'ENOENT') {
        cur = path.join(next, ...parts.slice(i + 1));
        break;
      }
      if (errCode(err) === 'ENOTDIR')
        throw refuse(rel, `${quotePath(parts.slice(0, i).join('/'))} is not a directory`);
      throw err;
    }
    if (st.isSymbolicLink()) {
      cur = await followLink(realRoot, next, rel);
      st = await lstat(cur);
    } else {
      cur = next;
    }
    if (i < parts.length - 1 && !st.isDirectory()) {
      throw refuse(rel, `${quotePath(parts.slice(0, i + 1).join('/'))} is not a directory`);
    }
  }
  const inside = componentsInside(realRoot, cur);
  if (!inside) throw refuse(rel, 'it leaves the repository');
  if (inside.some(isGitName)) throw refuse(rel, 'files under `.git` belong to git and cannot be touched');
  if (opts.forWrite && inside.length === 0) throw refuse(rel, 'it is the repository root; name a file');
  return cur;
}

/** Resolves one symlink (and any chain behind it); its target must exist and stay inside. */
async function followLink(realRoot: string, link: string, rel: string): Promise<string> {
  let real;
  try {
    real = await realpath(link);
  } catch (err) {
    const code = errCode(err);
    if (code === 'ENOENT') throw refuse(rel, 'it goes through a symbolic link whose target does not exist');
    if (code === 'ELOOP') throw refuse(rel, 'it goes through a loop of symbolic links');
    throw err;
  }
  const inside = componentsInside(realRoot, real);
  if (!inside) throw refuse(rel, 'it goes through a symbolic link that leaves the repository');
  if (inside.some(isGitName)) throw refuse(rel, 'it goes through a symbolic link into `.git`');
  return real;
}

/** The worktree-relative POSIX path of an absolute path already known to be inside `realRoot`. */
export function toRelative(realRoot: string, abs: string): string {
  return path.relative(realRoot, abs).split(path.sep).join('/');
}
