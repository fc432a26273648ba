import { open } from 'node:fs/promises';

/** The size of a file now, so a later read sees only what was written since (0 when absent). */
export async function logSize(file: string): Promise<number> {
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return 0;
  try {
    return (await fh.stat()).size;
  } finally {
    await fh.close();
  }
}

/** What was written to `file` since `offset`, at most its last `maxBytes`. */
export async function logSince(file: string, offset: number, maxBytes = 64 * 1024): Promise<string> {
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return '';
  try {
    const size = (await fh.stat()).size;
    const from = Math.max(offset, size - maxBytes);
    if (size <= from) return '';
    const buf = Buffer.alloc(size - from);
    await fh.read(buf, 0, buf.length, from);
    return buf.toString('utf8');
  } finally {
    await fh.close();
  }
}

/** Words a server uses on the lines that say why it stopped. */
const TELLING =
  /\b(error|errors|fail(?:ed|s|ure)?|fatal|exception|traceback|cannot|can't|unable|not found|no such|invalid|denied|abort(?:ed)?|out of memory|killed)\b/i;

/**
 * The lines of a server's log that say why it stopped: the last few that name an error (llama-server's
 * "failed to load model", a Python traceback's last line), else simply the last few lines.
 */
export function meaningfulLines(text: string, max = 4): string[] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  const telling = lines.filter((l) => TELLING.test(l));
  const picked = (telling.length > 0 ? telling : lines).slice(-max);
  // Long lines (a JSON dump, a progress bar) are cut: the message must stay readable.
  return picked.map((l) => (l.length > 240 ? `${l.slice(0, 239)}…` : l));
}
