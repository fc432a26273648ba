/**
 * Reading a file the user points factory at (a config, a task file) without trusting it: only a
 * regular file (a FIFO would block forever, a device never end), only up to a size cap, and only
 * data nested as deep as such a file ever is (200,000 levels overflowed the stack).
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { refuse } from '../errors.js';

/** A config or task file is a few kilobytes; this is far past any real one. */
export const MAX_INPUT_FILE_BYTES = 1024 * 1024;
/** A config is four levels deep, a task file three. */
export const MAX_INPUT_DEPTH = 32;

/**
 * The text of `file`, or undefined when it does not exist (ENOENT, ENOTDIR). Refuses (exit 2)
 * anything but a regular file, and a file larger than `maxBytes`.
 */
export async function readInputFile(
  file: string,
  label: string,
  maxBytes = MAX_INPUT_FILE_BYTES,
): Promise<string | undefined> {
  let fh;
  try {
    // Non-blocking, so opening a FIFO returns at once instead of waiting for a writer.
    fh = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw refuse(`${label}: cannot read: ${(e as Error).message}`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw refuse(`${label}: not a regular file (${kindOf(st)})`);
    // Read one byte past the cap: the size stat reports can be wrong (procfs says 0).
    const buf = Buffer.alloc(Math.min(maxBytes + 1, Math.max(st.size + 1, 64 * 1024)));
    let len = 0;
    for (;;) {
      if (len === buf.length) break;
      const { bytesRead } = await fh.read(buf, len, buf.length - len, len);
      if (bytesRead === 0) break;
      len += bytesRead;
    }
    if (len > maxBytes) throw refuse(`${label}: larger than ${maxBytes} bytes; this cannot be a real one`);
    return buf.subarray(0, len).toString('utf8');
  } catch (e) {
    if ((e as { exitCode?: number }).exitCode === 2) throw e;
    throw refuse(`${label}: cannot read: ${(e as Error).message}`);
  } finally {
    await fh.close();
  }
}

function kindOf(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a file';
}

/**
 * Refuses data nested deeper than `max` levels; walks it without recursion. `label` names where
 * the data came from, given the first two keys of the path that is too deep.
 */
export function checkDepth(
  value: unknown,
  label: string | ((path: PropertyKey[]) => string),
  max = MAX_INPUT_DEPTH,
): void {
  const stack: [unknown, number, PropertyKey[]][] = [[value, 0, []]];
  while (stack.length) {
    const [v, depth, path] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) {
      const where = typeof label === 'string' ? label : label(path);
      throw refuse(`${where}: nested deeper than ${max} levels`);
    }
    for (const [k, child] of Object.entries(v))
      stack.push([child, depth + 1, path.length < 2 ? [...path, k] : path]);
  }
}
