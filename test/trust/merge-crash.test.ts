import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRepo, type Repo } from '../../src/git/repo.js';
import { createTask } from '../../src/tasks/create.js';
import { TaskWorkspace } from '../../src/tasks/workspace.js';
import { readEvents, readRecord } from '../../src/tasks/record.js';
import { mergeTask } from '../../src/tasks/merge.js';
import { pooledWorktrees } from '../../src/tasks/pool.js';
import { cleanupTemps, makeRepo, runCli, sh, writeFiles } from '../helpers/git-repo.js';
import { expectFsckClean } from '../helpers/repo-checks.js';
import { W } from '../helpers/engine.js';
import { runKilled, straceCanInject } from '../helpers/killed-cli.js';

afterAll(cleanupTemps);

const MAIN: Record<string, string> = { 'keep.txt': 'keep\n', 'staged.txt': 'staged\n' };
for (let i = 0; i < 120; i++) MAIN[`src/f${i}.txt`] = `main ${i}\n`;

/**
 * A repo whose task changes 100 files, adds 150 and deletes 10, and a user who has uncommitted
 * work in files the task does not touch (one staged, one not).
 */
async function bigTask(): Promise<{ dir: string; repo: Repo; id: number; worktree: string; tip: string }> {
  const dir = await makeRepo(MAIN);
  const repo = await openRepo(dir);
  const { record } = await createTask(repo, W, { title: 'big' });
  const ws = await TaskWorkspace.open(repo, record.id, W);
  try {
    const files: Record<string, string> = {};
    for (let i = 0; i < 100; i++) files[`src/f${i}.txt`] = `task ${i}\n`;
    for (let i = 0; i < 150; i++) files[`new/n${i}.txt`] = `new ${i}\n`;
    await writeFiles(ws.worktree, files);
    const gone = Array.from({ length: 10 }, (_, i) => `src/f${110 + i}.txt`);
    for (const f of gone) await rm(path.join(ws.worktree, f));
    const n = await ws.nextAttempt();
    await ws.commitStep({ attempt: n, step: 1, tool: 'write_file', paths: [...Object.keys(files), ...gone] });
    await ws.commitAttempt({ attempt: n, checkExit: 0, verdict: 'PASS', durationMs: 1, outcome: 'passed' });
  } finally {
    await ws.close();
  }
  await writeFiles(dir, { 'keep.txt': 'my unstaged work\n', 'staged.txt': 'my staged work\n' });
  sh(dir, 'add', 'staged.txt');
  return { dir, repo, id: record.id, worktree: record.worktree, tip: sh(dir, 'rev-parse', record.branch) };
}

/** After recovery: the merge is whole, the user's work is where it was, and merge runs again. */
async function expectMerged(t: Awaited<ReturnType<typeof bigTask>>, head: string, label: string) {
  const { dir, repo, id } = t;
  // HEAD is one squash commit on the old head, with exactly the task's tree.
  expect(sh(dir, 'rev-parse', 'HEAD^'), label).toBe(head);
  expect(sh(dir, 'rev-parse', 'HEAD^{tree}'), label).toBe(sh(dir, 'rev-parse', `${t.tip}^{tree}`));
  expect(sh(dir, 'status', '--porcelain', '--untracked-files=all').split('\n').sort(), label).toEqual([
    ' M keep.txt',
    'M  staged.txt',
  ]);
  expect(readFileSync(path.join(dir, 'keep.txt'), 'utf8')).toBe('my unstaged work\n');
  expect(readFileSync(path.join(dir, 'new/n149.txt'), 'utf8')).toBe('new 149\n');
  expect(existsSync(path.join(dir, 'src/f115.txt')), label).toBe(false);
  expect(existsSync(path.join(dir, '.git/index.lock')), label).toBe(false);
  expect(existsSync(t.worktree), label).toBe(false);
  // The task's worktree is in the pool, and git knows it there (a worktree moved into the pool
  // but not yet registered when the kill came is registered by the recovery, not forgotten).
  const pool = readdirSync(path.join(dir, '.git/factory/worktrees')).filter((n) => n.startsWith('pool-'));
  expect(pool, label).toHaveLength(1);
  expect(
    (await pooledWorktrees(repo, W)).map((w) => path.basename(w.path)),
    label,
  ).toEqual(pool);
  expect(sh(dir, 'worktree', 'list', '--porcelain'), label).not.toContain('prunable');
  expect(
    (await readEvents(repo, id)).filter((e) => e.type === 'merged'),
    label,
  ).toHaveLength(1);
  expectFsckClean(dir, label);
  await expect(mergeTask(repo, W, id), label).rejects.toThrow('already merged');
}

describe('trust: a merge killed with kill -9 is finished by the next factory command', () => {
  const points = [
    { when: 'before', match: 'read-tree -m -u' },
    { when: 'after', match: 'read-tree -m -u' },
    { when: 'after', match: 'update-ref -m factory: merge' },
    // The merged task's worktree detached (by the landing's own update-ref) and moved into the
    // pool, where git does not know it yet.
    { when: 'before', match: 'worktree repair' },
  ] as const;
  for (const p of points)
    it(`killed ${p.when} \`${p.match}\``, async () => {
      const t = await bigTask();
      const head = sh(t.dir, 'rev-parse', 'HEAD');
      const killed = await runKilled(t.dir, ['merge', String(t.id)], p);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      if (p.match.startsWith('read-tree')) expect(sh(t.dir, 'rev-parse', 'HEAD')).toBe(head);
      if (p.when === 'after' && p.match.startsWith('read-tree'))
        // What the issue saw: the task's files staged in the main index, HEAD where it was.
        expect(sh(t.dir, 'diff', '--cached', '--name-only').split('\n').length).toBeGreaterThan(200);
      const next = await runCli(t.dir, ['list']);
      expect(next.code, next.stderr).toBe(0);
      expect(next.stderr).toContain(`finished the merge of task ${t.id} into main`);
      expect(next.stdout).toMatch(/1\s+merged/);
      await expectMerged(t, head, p.when);
    }, 180_000);

  it.skipIf(!straceCanInject())(
    'killed in the middle of writing the main tree (index.lock left behind)',
    async () => {
      const t = await bigTask();
      const head = sh(t.dir, 'rev-parse', 'HEAD');
      const killed = await runKilled(t.dir, ['merge', String(t.id)], {
        match: 'read-tree -m -u',
        when: 'during',
        nth: 60,
      });
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      expect(sh(t.dir, 'rev-parse', 'HEAD')).toBe(head);
      expect(existsSync(path.join(t.dir, '.git/index.lock'))).toBe(true);
      const next = await runCli(t.dir, ['list']);
      expect(next.stderr).toContain(`finished the merge of task ${t.id} into main`);
      await expectMerged(t, head, 'during');
    },
    180_000,
  );

  it('--rebase killed after rewriting the task branch: undone, nothing merged, merge runs again', async () => {
    const t = await bigTask();
    const head = sh(t.dir, 'rev-parse', 'HEAD');
    // Main moves on, so the rebase really rewrites the branch.
    await writeFiles(t.dir, { 'other.txt': 'other\n' });
    sh(t.dir, 'add', 'other.txt');
    sh(t.dir, 'commit', '-q', '-m', 'main moves', '--', 'other.txt');
    const moved = sh(t.dir, 'rev-parse', 'HEAD');
    const killed = await runKilled(t.dir, ['merge', String(t.id), '--rebase'], {
      match: ' rebase --quiet',
      when: 'after',
    });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(sh(t.dir, 'rev-parse', 'HEAD')).toBe(moved);
    const rec = await readRecord(t.repo, t.id);
    expect(sh(t.dir, 'rev-parse', rec.branch)).not.toBe(t.tip);
    const next = await runCli(t.dir, ['list']);
    expect(next.stderr).toContain(
      `the merge of task ${t.id} was interrupted before it changed the main tree`,
    );
    expect(sh(t.dir, 'rev-parse', rec.branch)).toBe(t.tip);
    expect(sh(t.worktree, 'status', '--porcelain')).toBe('');
    expect(sh(t.dir, 'rev-parse', 'HEAD')).toBe(moved);
    expect(head).not.toBe(moved);
    const again = await runCli(t.dir, ['merge', String(t.id), '--rebase']);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(path.join(t.dir, 'new/n0.txt'), 'utf8')).toBe('new 0\n');
  }, 180_000);
});

describe('trust: a discard killed with kill -9 is finished by the next factory command', () => {
  const points = [
    { when: 'after', match: 'checkout --quiet --force --detach' },
    { when: 'after', match: 'update-ref -d' },
  ] as const;
  for (const p of points)
    it(`killed ${p.when} \`${p.match}\``, async () => {
      const dir = await makeRepo({ 'a.txt': 'base\n' });
      const repo = await openRepo(dir);
      const { record } = await createTask(repo, W, { title: 'drop me' });
      const killed = await runKilled(dir, ['discard', String(record.id)], p);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      if (p.match.startsWith('checkout'))
        // What the issue saw: a detached worktree left where the task was.
        expect(sh(record.worktree, 'status', '--porcelain', '--branch')).toContain('HEAD (no branch)');
      const next = await runCli(dir, ['list', '--all', '--json']);
      expect(next.stderr).toContain(`finished discarding task ${record.id}`);
      expect(JSON.parse(next.stdout)[0].status).toBe('discarded');
      expect(existsSync(record.worktree)).toBe(false);
      expect(sh(dir, 'branch', '--list', record.branch)).toBe('');
      expect(sh(dir, 'worktree', 'list', '--porcelain')).not.toContain(`worktree ${record.worktree}\n`);
      expect((await readEvents(repo, record.id)).filter((e) => e.type === 'discarded')).toHaveLength(1);
      // Nothing is left for a `resume` to commit into.
      await expect(mergeTask(repo, W, record.id)).rejects.toThrow('already discarded');
    }, 180_000);
});
