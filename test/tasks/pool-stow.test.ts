/**
 * A merged task's worktree goes back to the pool as it is (stowed, marked unclean): its commit is
 * never where a new task starts, so whoever takes it cleans it in the checkout that moves it
 * anyway. What a new task and the merge queue's scratch worktree find in it must be clean all the
 * same. Real git in temp repos.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createTask } from '../../src/tasks/create.js';
import { mergeTask } from '../../src/tasks/merge.js';
import { discardTask } from '../../src/tasks/discard.js';
import { mergeQueue } from '../../src/tasks/merge-queue.js';
import { readRecord } from '../../src/tasks/record.js';
import { pooledWorktrees, retireWorktrees } from '../../src/tasks/pool.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config/schema.js';
import { cleanupTemps, makeRepo, sh, writeFiles } from '../helpers/git-repo.js';
import { taskWithAttempts, W } from '../helpers/engine.js';

afterAll(cleanupTemps);

const opts = { ...W, keep: ['cache'], pool: 1 };
const BASE = { '.gitignore': 'build/\ncache/\n', 'a.txt': 'a\n', 'b.txt': 'b\n' };

/** Task 1, merged, its worktree left with a build output, a kept cache and a staged new file. */
async function mergedWithLeftovers() {
  const dir = await makeRepo(BASE);
  const t = await taskWithAttempts(dir, 'Change a', [{ files: { 'a.txt': 'a2\n' }, exit: 0 }], opts);
  await writeFiles(t.worktree, { 'build/out.o': 'o', 'cache/kept.bin': 'k' });
  const merged = await mergeTask(t.repo, opts, t.id);
  expect(merged.worktree).toBe('pooled');
  const pool = await pooledWorktrees(t.repo, opts);
  expect(pool).toHaveLength(1);
  return { dir, repo: t.repo, stowed: pool[0]! };
}

describe('a merged task worktree in the pool', () => {
  it('is stowed as it was: detached, marked unclean, its leftovers still there', async () => {
    const { stowed } = await mergedWithLeftovers();
    expect(stowed.clean).toBe(false);
    expect(stowed.head).toMatch(/^[0-9a-f]{40}$/);
    expect(() => sh(stowed.path, 'symbolic-ref', '-q', 'HEAD')).toThrow();
    expect(existsSync(path.join(stowed.path, 'build/out.o'))).toBe(true);
  });

  it('is cleaned for a new task: the base files, the kept folder, nothing else', async () => {
    const { dir, repo } = await mergedWithLeftovers();
    const next = await createTask(repo, opts, { title: 'next' });
    expect(next.recycled).toBe(true);
    const wt = next.record.worktree;
    expect(readFileSync(path.join(wt, 'a.txt'), 'utf8')).toBe('a2\n');
    expect(existsSync(path.join(wt, 'build/out.o'))).toBe(false);
    expect(existsSync(path.join(wt, 'cache/kept.bin'))).toBe(true);
    expect(sh(wt, 'status', '--porcelain', '--ignored')).toBe('!! cache/');
    expect(sh(wt, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('factory/2-next');
    expect(next.record.base).toBe(sh(dir, 'rev-parse', 'HEAD'));
    // The mark went with the clean-up: discarded at its base, it is parked clean.
    await discardTask(repo, opts, next.record.id);
    expect((await pooledWorktrees(repo, opts)).map((w) => w.clean)).toEqual([true]);
  });

  it('is cleaned for the merge queue: the check sees no leftover of the merged task', async () => {
    const { dir, repo } = await mergedWithLeftovers();
    // Task 2 takes the stowed worktree, tasks 3 and 4 get new ones; task 2, merged with a build
    // output left, is the one stowed worktree the queue's scratch can take.
    const two = await taskWithAttempts(dir, 'Change b', [{ files: { 'b.txt': 'b2\n' }, exit: 0 }], opts);
    const three = await taskWithAttempts(dir, 'Add c', [{ files: { 'c.txt': 'c\n' }, exit: 0 }], opts);
    const four = await taskWithAttempts(dir, 'Add d', [{ files: { 'd.txt': 'd\n' }, exit: 0 }], opts);
    await writeFiles(two.worktree, { 'build/out.o': 'o2', 'stray.txt': 's' });
    await mergeTask(repo, opts, two.id, 'squash', { force: true });
    expect((await pooledWorktrees(repo, opts)).map((w) => w.clean)).toEqual([false]);
    const config: Config = {
      ...DEFAULT_CONFIG,
      // Fails on anything the tree holds but the commit does not (ignored files included), but
      // the kept folder.
      check: `! git status --porcelain --ignored | grep -vx '!! cache/' | grep .`,
      sandbox: { ...DEFAULT_CONFIG.sandbox, mode: 'none' },
    };
    const r = await mergeQueue(repo, opts, [three.id, four.id], { config });
    expect(r.tasks.map((t) => t.fate)).toEqual(['landed', 'landed']);
    expect(sh(dir, 'status', '--porcelain')).toBe('');
    // The scratch went back (or, the pool full, away): no queue worktree is left.
    const left = readdirSync(path.dirname((await readRecord(repo, three.id)).worktree));
    expect(left.filter((n) => n.startsWith('queue-'))).toEqual([]);
  });
});

describe('retiring several worktrees at once (a merge queue landing)', () => {
  it('stows and parks them side by side, registers each new place with git, and removes what the pool has no room for', async () => {
    const dir = await makeRepo(BASE);
    const wide = { ...opts, pool: 2 };
    const a = await taskWithAttempts(dir, 'A', [{ files: { 'a.txt': 'a2\n' }, exit: 0 }], wide);
    const b = await taskWithAttempts(dir, 'B', [{ files: { 'b.txt': 'b2\n' }, exit: 0 }], wide);
    const c = await taskWithAttempts(dir, 'C', [{ files: { 'c.txt': 'c\n' }, exit: 0 }], wide);
    const tipA = sh(a.worktree, 'rev-parse', 'HEAD');
    await writeFiles(a.worktree, { 'build/out.o': 'o' });
    await writeFiles(b.worktree, { 'stray.txt': 's', 'cache/kept.bin': 'k' });
    const done = await retireWorktrees(
      a.repo,
      [
        { worktree: a.worktree, how: 'as-is' },
        { worktree: b.worktree, how: 'clean' },
        { worktree: c.worktree, how: 'as-is' },
      ],
      wide,
    );
    expect(done).toEqual(['pooled', 'pooled', 'removed']);
    for (const wt of [a.worktree, b.worktree, c.worktree]) expect(existsSync(wt)).toBe(false);
    const pool = await pooledWorktrees(a.repo, wide);
    // git knows each pooled worktree where it is now, and no branch is held any more.
    const listed = sh(dir, 'worktree', 'list', '--porcelain');
    for (const w of pool) expect(listed).toContain(`worktree ${w.path}\n`);
    expect(listed).not.toContain('branch refs/heads/factory/');
    expect(listed).not.toContain('prunable');
    const stowed = pool.find((w) => !w.clean)!;
    const parked = pool.find((w) => w.clean)!;
    expect(existsSync(path.join(stowed.path, 'build/out.o'))).toBe(true);
    expect(existsSync(path.join(parked.path, 'stray.txt'))).toBe(false);
    expect(existsSync(path.join(parked.path, 'cache/kept.bin'))).toBe(true);
    expect(stowed.head).toBe(tipA);
    for (const t of [a, b, c]) sh(dir, 'branch', '-D', (await readRecord(a.repo, t.id)).branch);
    sh(dir, 'worktree', 'prune');
    expect((await pooledWorktrees(a.repo, wide)).length).toBe(2);
  });
});
