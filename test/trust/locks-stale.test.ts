/**
 * A lock whose owner is unknown (an empty file: its writer was killed between creating and
 * writing it) or dead is recovered at once; a lock held by a live process is still waited for;
 * and a lock is never seen without its owner, so a live holder never looks unknown.
 */
import { vi, afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, watch } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanupTemps, makeRepo, projectRoot, sh, tempDir, tsxLoader } from '../helpers/git-repo.js';
import { cli, exitWithin, spawnCli } from '../e2e/support.js';
import { taskWithAttempts } from '../helpers/engine.js';
import { runLockFile } from '../../src/tasks/paths.js';

const holderScript = path.join(projectRoot, 'test/trust/support/lock-holder.ts');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});
// CLI runs take seconds each on a loaded machine.
vi.setConfig({ testTimeout: 240_000 });

afterAll(cleanupTemps);

function holder(args: string[]): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', tsxLoader, holderScript, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines: string[] = [];
  child.stdout!.on('data', (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, lines, exited };
}

async function until(what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const repoLock = (dir: string) => path.join(dir, '.git/factory/locks/repo.lock');

describe('trust: stale locks are recovered at once, live ones respected', () => {
  it('an empty repo.lock left by a kill does not block the next command', async () => {
    const dir = await makeRepo();
    await mkdir(path.dirname(repoLock(dir)), { recursive: true });
    await writeFile(repoLock(dir), '');
    // Before the fix this waited 120 s for the empty lock and then failed; the bound is far below.
    const r = await cli(dir, ['new', 'after a kill', '--json'], {}, 30_000);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 1 });
    expect(existsSync(repoLock(dir))).toBe(false);
  });

  it('a damaged repo.lock, and a dead owner’s, are recovered the same way', async () => {
    const dir = await makeRepo();
    await mkdir(path.dirname(repoLock(dir)), { recursive: true });
    await writeFile(repoLock(dir), '{"pid": 12');
    expect((await cli(dir, ['prune'], {}, 30_000)).code).toBe(0);
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('close', r));
    await writeFile(
      repoLock(dir),
      JSON.stringify({ pid: dead.pid, host: (await import('node:os')).hostname() }),
    );
    expect((await cli(dir, ['prune'], {}, 30_000)).code).toBe(0);
    expect(existsSync(repoLock(dir))).toBe(false);
  });

  it('an empty run.lock does not make a task look running, nor block a rollback', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const { repo, id } = await taskWithAttempts(dir, 'run lock', [
      { files: { 'a.txt': 'one\n' }, exit: 1 },
      { files: { 'a.txt': 'two\n' }, exit: 0 },
    ]);
    await writeFile(runLockFile(repo, id), '');
    const r = await cli(dir, ['rollback', `${id}.1`], {}, 30_000);
    expect(r.code, r.stderr).toBe(0);
    expect(sh(dir, 'rev-parse', 'factory/1-run-lock')).toBe(
      sh(dir, 'rev-parse', 'refs/factory/1/attempts/1'),
    );
    expect(existsSync(runLockFile(repo, id))).toBe(false);
  });

  it('waits for a lock a live process holds, and goes on once it is released', async () => {
    const dir = await makeRepo();
    const h = holder(['hold', repoLock(dir)]);
    await until('the holder to take the lock', () => h.lines.includes('held'));
    const owner = JSON.parse(readFileSync(repoLock(dir), 'utf8')) as { pid: number };
    expect(owner.pid).toBe(h.child.pid);

    // Every try to take a lock writes a private file named for the process first: watching for
    // them shows the CLI trying, failing and trying again, i.e. waiting, not breaking the lock.
    const tries = new Map<number, number>();
    const watcher = watch(path.dirname(repoLock(dir)), (_, name) => {
      const m = /^repo\.lock\.(\d+)\.\d+\.tmp$/.exec(String(name));
      if (m) tries.set(Number(m[1]), (tries.get(Number(m[1])) ?? 0) + 1);
    });
    const waiting = spawnCli(dir, ['new', 'behind a live lock', '--json']);
    let finished = false;
    void waiting.done.then(() => (finished = true));
    try {
      // Each try makes two events at least (create, delete): three tries are six.
      await until('the CLI to try the lock three times', () => (tries.get(waiting.child.pid!) ?? 0) >= 6);
    } finally {
      watcher.close();
    }
    expect(finished, 'the CLI went past a live lock').toBe(false);
    expect(JSON.parse(readFileSync(repoLock(dir), 'utf8')).pid).toBe(h.child.pid);
    expect(sh(dir, 'branch', '--list', 'factory/*')).toBe('');
    h.child.stdin!.end();
    await h.exited;
    expect(h.lines).toContain('released');
    const r = await exitWithin(waiting, 30_000);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 1 });
  });

  it('never shows a lock without its owner, even while it is being taken', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'locks', 'repo.lock');
    const churners = [holder(['churn', file, '300']), holder(['churn', file, '300'])];
    const done = Promise.all(churners.map((c) => c.exited));
    let finished = false;
    void done.then(() => (finished = true));
    let reads = 0;
    const unknown: string[] = [];
    while (!finished) {
      let raw: string;
      try {
        raw = readFileSync(file, 'utf8');
      } catch {
        await new Promise((r) => setImmediate(r));
        continue;
      }
      reads++;
      try {
        if (typeof (JSON.parse(raw) as { pid?: unknown }).pid !== 'number') unknown.push(raw);
      } catch {
        unknown.push(raw);
      }
      await new Promise((r) => setImmediate(r));
    }
    expect(await done).toEqual([0, 0]);
    expect(reads).toBeGreaterThan(0);
    expect(unknown).toEqual([]);
  });
});
