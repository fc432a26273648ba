import { appendFile, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Repo } from '../git/repo.js';
import { taskDir } from './paths.js';

const streamFile = (repo: Repo, id: number) => path.join(taskDir(repo, id), 'coder-stream.txt');

/**
 * Largest the stream file grows: readers show its last few thousand characters, so once a turn
 * passes this the file is rewritten as a marker and the most recent text.
 */
export const MAX_STREAM_FILE_CHARS = 256 * 1024;
/** What is kept after such a rewrite. */
const KEEP_CHARS = 64 * 1024;

/**
 * The Coder's text as it streams, kept in a file so another process (the review TUI) can show
 * it live. Writes are batched: tokens arrive far faster than anyone reads them. The file never
 * passes MAX_STREAM_FILE_CHARS (plus one batch), whatever the model sends.
 */
export function coderStreamWriter(repo: Repo, id: number) {
  const file = streamFile(repo, id);
  let pending = '';
  /** Characters in the file once the chain has run. */
  let size = 0;
  /** The last KEEP_CHARS of this turn, for a rewrite. */
  let recent = '';
  /** Characters of this turn so far. */
  let turn = 0;
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    const text = pending;
    pending = '';
    if (!text) return;
    recent = (recent + text).slice(-KEEP_CHARS);
    turn += text.length;
    if (size + text.length <= MAX_STREAM_FILE_CHARS) {
      size += text.length;
      chain = chain.then(() => appendFile(file, text)).catch(() => undefined);
      return;
    }
    const body = `… [factory: ${turn - recent.length} earlier characters of this turn not kept] …\n${recent}`;
    size = body.length;
    chain = chain.then(() => writeFile(file, body)).catch(() => undefined);
  };
  return {
    /** A new Coder turn: start the file afresh. */
    reset(): void {
      pending = '';
      recent = '';
      size = 0;
      turn = 0;
      chain = chain.then(() => writeFile(file, '')).catch(() => undefined);
    },
    write(delta: string): void {
      pending += delta;
      // A flood between two timer ticks is written at once rather than held in memory.
      if (pending.length >= KEEP_CHARS) {
        if (timer) clearTimeout(timer);
        flush();
      } else timer ??= setTimeout(flush, 100);
    },
    async close(): Promise<void> {
      if (timer) clearTimeout(timer);
      flush();
      await chain;
    },
  };
}

/**
 * The last `maxChars` of the Coder's streamed text for a task ('' when there is none). Reads only
 * the end of the file, whatever its size (an older factory wrote it without a cap).
 */
export async function readCoderStream(repo: Repo, id: number, maxChars = 4000): Promise<string> {
  const fh = await open(streamFile(repo, id), 'r').catch(() => null);
  if (!fh) return '';
  try {
    const { size } = await fh.stat();
    // Up to 4 bytes a character; a character cut at the start decodes as one replacement mark.
    const want = Math.min(size, maxChars * 4);
    const buf = Buffer.alloc(want);
    const { bytesRead } = await fh.read(buf, 0, want, size - want);
    return buf.subarray(0, bytesRead).toString('utf8').slice(-maxChars);
  } catch {
    return '';
  } finally {
    await fh.close();
  }
}
