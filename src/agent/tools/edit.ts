/**
 * Applies one EditOp to the worktree. The same code serves text edits (parsed from a reply) and
 * tool calls, so both formats behave alike: same sandbox, same messages, and `changed` is empty
 * when the file already had the content (no empty step commit).
 */
import { applyReplace } from '../edits/replace.js';
import { plural } from '../../plural.js';
import type { EditOp, ToolResult } from '../types.js';
import { ToolFailure, deleteInside, readExisting, writeAt } from './safe-fs.js';

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

async function write(root: string, path: string, content: string, limits: EditLimits): Promise<ToolResult> {
  if (Buffer.byteLength(content) > limits.maxEditBytes) {
    throw new ToolFailure(`the content for ${path} is larger than ${limits.maxEditBytes} bytes`);
  }
  const { abs, text } = await readExisting(root, path, limits.maxEditBytes);
  const next = keepLineEndings(text, content);
  if (text === next)
    return { ok: true, output: `${path} is unchanged: it already has this content`, changed: [] };
  const rel = await writeAt(root, abs, path, next);
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
      throw new ToolFailure(
        `${op.path} does not exist. To create it, use an empty SEARCH (or write_file) with the whole content.`,
      );
    }
    return write(root, op.path, op.replace, limits);
  }
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
      return write(root, op.path, op.content, limits);
    case 'replace':
      return replace(root, op, limits);
    case 'delete': {
      const rel = await deleteInside(root, op.path);
      return { ok: true, output: `deleted ${rel}`, changed: [rel] };
    }
  }
}
