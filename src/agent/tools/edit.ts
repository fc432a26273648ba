/**
 * Applies one EditOp to the worktree. The same code serves text edits (parsed from a reply) and
 * tool calls, so both formats behave alike: same sandbox, same messages, and `changed` is empty
 * when the file already had the content (no empty step commit).
 */
import { findElision } from '../edits/elision.js';
import { applyReplace } from '../edits/replace.js';
import { replaceSection } from '../edits/section.js';
import { elisionMessage, farShorter, wholeFile } from '../edits/whole-file.js';
import { plural } from '../../plural.js';
import type { EditOp, ToolResult } from '../types.js';
import { ToolFailure, deleteInside, readExisting, writeAt } from './safe-fs.js';
import { filesNamed, isBareName, severalNamed } from './same-name.js';

export interface EditLimits {
  /** Largest file that may be written or edited. */
  maxEditBytes: number;
}

const lineCount = (text: string) =>
  text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

/** A whole-file write to a CRLF file keeps CRLF when the model sent plain LF (it almost always does). */
function keepLineEndings(previous: string | undefined, content: string): string {
  if (previous === undefined || content.includes('\r')) return content;
  const crlf = previous.split('\r\n').length - 1;
  const lf = previous.split('\n').length - 1 - crlf;
  return crlf > lf ? content.replace(/\n/g, '\r\n') : content;
}

type WriteOp = Extract<EditOp, { kind: 'write' }>;

/**
 * Share of the existing file's distinct lines that `content` keeps: is it that file, edited?
 * Lines of punctuation (`}`, `{`, `],`) say nothing of which file it is.
 */
function kept(previous: string, content: string): number {
  const meaningful = (l: string) => l.length >= 4 && /[\p{L}\p{N}]/u.test(l);
  const lines = new Set(
    previous
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(meaningful),
  );
  if (lines.size === 0) return 0;
  const now = new Set(content.split(/\r?\n/).map((l) => l.trim()));
  let n = 0;
  for (const l of lines) if (now.has(l)) n++;
  return n / lines.size;
}

/**
 * A whole-file block from a text reply under a bare name with no such file at the root: the one
 * file of that name elsewhere, when the block is plainly that file (edited) or a part of it.
 */
async function bareWriteTarget(root: string, op: WriteOp, limits: EditLimits): Promise<string | undefined> {
  const found = await filesNamed(root, op.path);
  if (found.length === 0) return undefined;
  if (found.length > 1) throw new ToolFailure(severalNamed(op.path, found));
  const { text } = await readExisting(root, found[0]!, limits.maxEditBytes);
  if (text === undefined) return undefined;
  // The file edited, or one function or section of it that its place is certain for.
  const part = farShorter(text, op.content) && replaceSection(text, op.content, found[0]!) !== undefined;
  if (kept(text, op.content) >= 0.5 || part) return found[0];
  throw new ToolFailure(
    `there is no ${op.path} at the root of the repository, but there is ${found[0]}. To change it, ` +
      `write its full path (${found[0]}); to create a new file at the root, write ./${op.path}.`,
  );
}

async function write(root: string, op: WriteOp, limits: EditLimits): Promise<ToolResult> {
  const { path } = op;
  if (Buffer.byteLength(op.content) > limits.maxEditBytes) {
    throw new ToolFailure(`the content for ${path} is larger than ${limits.maxEditBytes} bytes`);
  }
  const { abs, text } = await readExisting(root, path, limits.maxEditBytes);
  if (text === undefined && op.fromText && isBareName(path)) {
    const target = await bareWriteTarget(root, op, limits);
    if (target) return write(root, { ...op, path: target }, limits);
  }
  const meant = wholeFile(path, text, op.content, op.fromText);
  if (!meant.ok) throw new ToolFailure(meant.message);
  const content = meant.content;
  const next = keepLineEndings(text, content);
  if (text === next)
    return { ok: true, output: `${path} is unchanged: it already has this content`, changed: [] };
  const rel = await writeAt(root, abs, path, next);
  if (meant.note) return { ok: true, output: `replaced ${meant.note} in ${rel}`, changed: [rel] };
  const verb = text === undefined ? 'created' : 'wrote';
  return { ok: true, output: `${verb} ${rel} (${plural(lineCount(content), 'line')})`, changed: [rel] };
}

async function replace(
  root: string,
  op: Extract<EditOp, { kind: 'replace' }>,
  limits: EditLimits,
): Promise<ToolResult> {
  const { abs, text } = await readExisting(root, op.path, limits.maxEditBytes);
  if (text === undefined) {
    if (op.search.trim() !== '') {
      // A SEARCH names an existing file: under a bare name, the one file of that name is meant.
      const found = isBareName(op.path) ? await filesNamed(root, op.path) : [];
      if (found.length === 1) return replace(root, { ...op, path: found[0]! }, limits);
      if (found.length > 1) throw new ToolFailure(severalNamed(op.path, found));
      throw new ToolFailure(
        `${op.path} does not exist. To create it, use an empty SEARCH (or write_file) with the whole content.`,
      );
    }
    return write(root, { kind: 'write', path: op.path, content: op.replace }, limits);
  }
  const gap = findElision(op.replace, `${op.search}\n${text}`, op.path);
  if (gap) throw new ToolFailure(elisionMessage(op.path, gap, 'REPLACE'));
  const result = applyReplace(text, op.search, op.replace);
  if (!result.ok) throw new ToolFailure(`${op.path}: ${result.message}`);
  if (result.content === text)
    return { ok: true, output: `${op.path} is unchanged: REPLACE equals SEARCH`, changed: [] };
  const rel = await writeAt(root, abs, op.path, result.content);
  return { ok: true, output: `replaced text at line ${result.line} of ${rel}`, changed: [rel] };
}

export async function applyEdit(root: string, op: EditOp, limits: EditLimits): Promise<ToolResult> {
  switch (op.kind) {
    case 'write':
      return write(root, op, limits);
    case 'replace':
      return replace(root, op, limits);
    case 'delete': {
      const rel = await deleteInside(root, op.path);
      return { ok: true, output: `deleted ${rel}`, changed: [rel] };
    }
  }
}
