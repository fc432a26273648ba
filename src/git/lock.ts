import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { FactoryError } from '../errors.js';
import { ownerIsDead, selfOwner, type Owner } from './process-alive.js';

export interface LockOptions {
  /** Give up after this long (ms) with an error naming the holder. */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function tryCreate(file: string, content: string): Promise<boolean> {
  try {
    const fh = await open(file, 'wx');
    try {
      await fh.writeFile(content);
    } finally {
      await fh.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

async function readOwner(file: string): Promise<{ raw: string; owner: Owner | null } | null> {
  try {
    const raw = await readFile(file, 'utf8');
    try {
      return { raw, owner: JSON.parse(raw) as Owner };
    } catch {
      return { raw, owner: null };
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Removes `file` if its owner is provably dead. Breaking is itself guarded by a second lock so
 * two waiters that both saw the same stale owner cannot delete a live lock taken in between.
 */
async function breakIfStale(file: string, seen: string): Promise<void> {
  const breaker = `${file}.break`;
  if (!(await tryCreate(breaker, JSON.stringify(selfOwner())))) {
    const b = await readOwner(breaker);
    if (b?.owner && ownerIsDead(b.owner)) await rm(breaker, { force: true });
    return;
  }
  try {
    const again = await readOwner(file);
    if (again && again.raw === seen) await rm(file, { force: true });
  } finally {
    await rm(breaker, { force: true });
  }
}

/** Takes an exclusive lock file, runs `fn`, and always releases it. */
export async function withLock<T>(file: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  await mkdir(path.dirname(file), { recursive: true });
  const me = JSON.stringify({ ...selfOwner(), at: new Date().toISOString(), nonce: Math.random() });
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let wait = 2;
  while (!(await tryCreate(file, me))) {
    const held = await readOwner(file);
    if (held?.owner && ownerIsDead(held.owner)) {
      await breakIfStale(file, held.raw);
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
