import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { FactoryError } from '../errors.js';
import { selfOwner } from './process-alive.js';
import { breakStaleLock, createLockFile, isStale, readLockFile } from './lock-file.js';

export interface LockOptions {
  /** Give up after this long (ms) with an error naming the holder. */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes an exclusive lock file, runs `fn`, and always releases it. A lock whose owner is dead or
 * unknown (see lock-file.ts: a live owner is never unknown) is recovered at once; only a live
 * holder is waited for.
 */
export async function withLock<T>(file: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  await mkdir(path.dirname(file), { recursive: true });
  const me = JSON.stringify({ ...selfOwner(), at: new Date().toISOString(), nonce: Math.random() });
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let wait = 2;
  while (!(await createLockFile(file, me))) {
    const held = await readLockFile(file);
    if (held && isStale(held)) {
      await breakStaleLock(file, held.raw);
      // Another waiter may be breaking it right now: give it a moment rather than spin.
      await sleep(1);
      continue;
    }
    if (Date.now() > deadline) {
      const who = held?.owner ? `process ${held.owner.pid} on ${held.owner.host}` : 'an unknown process';
      throw new FactoryError(`timed out waiting for the lock ${file}, held by ${who}`, {
        hint: 'if that process is gone for good, remove the lock file by hand',
      });
    }
    await sleep(wait + Math.random() * wait);
    wait = Math.min(wait * 2, 100);
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}

/** The repo-wide lock that serialises worktree add/remove/prune, id allocation and merges. */
export function withRepoLock<T>(factoryDir: string, fn: () => Promise<T>, opts?: LockOptions): Promise<T> {
  return withLock(path.join(factoryDir, 'locks', 'repo.lock'), fn, opts);
}
