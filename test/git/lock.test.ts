import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { withLock } from '../../src/git/lock.js';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

/** A pid that certainly belonged to a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('close', r));
  return child.pid!;
}

describe('repo lock', () => {
  it('serialises holders in one process', async () => {
    const file = path.join(await tempDir(), 'locks', 'repo.lock');
    const order: string[] = [];
    const hold = (name: string) =>
      withLock(file, async () => {
        order.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 20));
        order.push(`${name}-`);
      });
    await Promise.all([hold('a'), hold('b'), hold('c')]);
    for (let i = 0; i < order.length; i += 2) expect(order[i]!.slice(0, 1)).toBe(order[i + 1]!.slice(0, 1));
    expect(existsSync(file)).toBe(false);
  });

  it('breaks a lock whose owner is provably dead', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'repo.lock');
    await writeFile(file, JSON.stringify({ pid: await deadPid(), host: os.hostname() }));
    expect(await withLock(file, async () => 'got it', { timeoutMs: 2000 })).toBe('got it');
  });

  it('never breaks a lock held by a live process or by another host', async () => {
    const dir = await tempDir();
    await mkdir(dir, { recursive: true });
    const live = path.join(dir, 'live.lock');
    await writeFile(live, JSON.stringify({ pid: process.ppid, host: os.hostname() }));
    await expect(withLock(live, async () => 'no', { timeoutMs: 300 })).rejects.toThrow(/held by process/);
    const remote = path.join(dir, 'remote.lock');
    await writeFile(remote, JSON.stringify({ pid: await deadPid(), host: 'some-other-host' }));
    await expect(withLock(remote, async () => 'no', { timeoutMs: 300 })).rejects.toThrow(/timed out/);
    expect(existsSync(live) && existsSync(remote)).toBe(true);
  });
});
