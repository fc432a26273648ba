import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Repo } from '../git/repo.js';
import { taskDir } from './paths.js';

const streamFile = (repo: Repo, id: number) => path.join(taskDir(repo, id), 'coder-stream.txt');

/**
 * The Coder's text as it streams, kept in a file so another process (the review TUI) can show
 * it live. Writes are batched: tokens arrive far faster than anyone reads them.
 */
export function coderStreamWriter(repo: Repo, id: number) {
  const file = streamFile(repo, id);
  let pending = '';
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    const text = pending;
    pending = '';
    if (text) chain = chain.then(() => appendFile(file, text)).catch(() => undefined);
  };
  return {
    /** A new Coder turn: start the file afresh. */
    reset(): void {
      pending = '';
      chain = chain.then(() => writeFile(file, '')).catch(() => undefined);
    },
    write(delta: string): void {
      pending += delta;
      timer ??= setTimeout(flush, 100);
    },
    async close(): Promise<void> {
      if (timer) clearTimeout(timer);
      flush();
      await chain;
    },
  };
}

/** The last `maxChars` of the Coder's streamed text for a task ('' when there is none). */
export async function readCoderStream(repo: Repo, id: number, maxChars = 4000): Promise<string> {
  const text = await readFile(streamFile(repo, id), 'utf8').catch(() => '');
  return text.slice(-maxChars);
}
