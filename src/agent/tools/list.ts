/** list_files: one worktree-relative path per line, so the model can pass them straight back. */
import { lstat, realpath } from 'node:fs/promises';
import { resolveInside, toRelative } from '../sandbox.js';
import { ToolFailure, describeFsError } from './safe-fs.js';
import { walkFiles } from './walk.js';

export async function listFiles(root: string, rel: string | undefined, maxEntries: number): Promise<string> {
  const shown = rel ?? '.';
  const abs = await resolveInside(root, shown);
  const realRoot = await realpath(root);
  const st = await lstat(abs).catch((err: unknown) => {
    throw describeFsError(err, shown);
  });
  if (!st.isDirectory()) return toRelative(realRoot, abs);

  const lines: string[] = [];
  let more = false;
  for await (const entry of walkFiles(realRoot, abs)) {
    if (lines.length >= maxEntries) {
      more = true;
      break;
    }
    lines.push(entry.isLink ? `${entry.rel} (symlink)` : entry.rel);
  }
  if (lines.length === 0) throw new ToolFailure(`${shown} has no files`);
  if (more) lines.push(`… more files not shown (limit ${maxEntries}); list a subdirectory to see them`);
  return lines.join('\n');
}
