import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanupTemps, makeRepo, runCli, sh } from '../helpers/git-repo.js';
import { taskWithAttempts } from '../helpers/engine.js';

afterAll(cleanupTemps);

describe('factory list / show / diff', () => {
  it('lists tasks with status, attempts, lines and age, as text and JSON', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    await taskWithAttempts(dir, 'first task', [
      { files: { 'a.txt': 'x\ny\n' }, exit: 1 },
      { files: { 'b.txt': 'b\n' }, exit: 0 },
    ]);
    const text = await runCli(dir, ['list']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/ID\s+STATUS\s+ATTEMPTS\s+\+\/-\s+AGE\s+BRANCH\s+TITLE/);
    expect(text.stdout).toMatch(/1\s+open\s+2\s+\+3 -1\s+\d+s\s+factory\/1-first-task\s+first task/);
    const json = JSON.parse((await runCli(dir, ['list', '--json'])).stdout);
    expect(json[0]).toMatchObject({
      id: 1,
      branch: 'factory/1-first-task',
      attempts: 2,
      added: 3,
      removed: 1,
    });
    const empty = await runCli(await makeRepo(), ['list']);
    expect(empty.stdout).toContain('no tasks yet');
  });

  it('shows attempts with their steps, exit codes, verdicts and durations', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    await taskWithAttempts(dir, 'show me', [{ files: { 'a.txt': 'x\n', 'c.txt': 'c\n' }, exit: 1 }]);
    const r = await runCli(dir, ['show', '1']);
    expect(r.stdout).toContain('attempt 1.1: failed  check exit 1  verdict FAIL  10ms');
    expect(r.stdout).toMatch(/1\.1\.1\s+write_file\s+a\.txt/);
    expect(r.stdout).toMatch(/1\.1\.2\s+write_file\s+c\.txt/);
    const json = JSON.parse((await runCli(dir, ['show', '1', '--json'])).stdout);
    expect(json.history.attempts[0].steps).toHaveLength(2);
    expect(json.status.status).toBe('open');
    const missing = await runCli(dir, ['show', '7']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no task 7');
    const bad = await runCli(dir, ['show', 'banana']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not a task address: banana');
  });

  it('diffs a task against its base, one attempt, or one step', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    await taskWithAttempts(dir, 'diffs', [
      { files: { 'a.txt': 'one\n' }, exit: 1 },
      { files: { 'b.txt': 'two\n', 'a.txt': 'three\n' }, exit: 0 },
    ]);
    const whole = await runCli(dir, ['diff', '1']);
    expect(whole.stdout).toContain('-a\n+three');
    expect(whole.stdout).toContain('+two');
    const attempt = await runCli(dir, ['diff', '1.2']);
    expect(attempt.stdout).toContain('-one\n+three');
    const step = await runCli(dir, ['diff', '1.2.1', '--json']);
    expect(JSON.parse(step.stdout).files).toEqual([{ path: 'b.txt', added: 1, removed: 0 }]);
    const stat = await runCli(dir, ['diff', '1.1', '--stat']);
    expect(stat.stdout).toContain('a.txt | 2 +-');
    const nope = await runCli(dir, ['diff', '1.2.9']);
    expect(nope.code).toBe(2);
  });
});

describe('factory discard / prune', () => {
  it('discard deletes the branch, keeps attempt refs until prune, and prune removes them', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    await taskWithAttempts(dir, 'drop me', [{ files: { 'a.txt': 'x\n' }, exit: 1 }]);
    const d = await runCli(dir, ['discard', '1']);
    expect(d.code).toBe(0);
    expect(d.stdout).toContain('discarded task 1');
    expect(sh(dir, 'branch', '--list', 'factory/*')).toBe('');
    expect(sh(dir, 'for-each-ref', '--format=%(refname)', 'refs/factory/1/attempts/')).toBe(
      'refs/factory/1/attempts/1',
    );
    expect((await runCli(dir, ['list'])).stdout).toContain('no tasks yet');
    expect((await runCli(dir, ['list', '--all'])).stdout).toMatch(/1\s+discarded/);
    const again = await runCli(dir, ['discard', '1']);
    expect(again.code).toBe(2);
    const dry = await runCli(dir, ['prune', '--dry-run']);
    expect(dry.stdout).toContain('would remove refs');
    expect(sh(dir, 'for-each-ref', 'refs/factory/1/')).not.toBe('');
    const p = await runCli(dir, ['prune', '--json']);
    expect(JSON.parse(p.stdout).items.map((i: { kind: string }) => i.kind)).toEqual(['refs']);
    expect(sh(dir, 'for-each-ref', 'refs/factory/1/')).toBe('');
  });

  it('prune finds the three kinds of orphan, and --dry-run only lists them', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    const wtRoot = path.join(dir, '.git/factory/worktrees');
    // 1. a worktree folder factory made that git does not list (its admin dir is gone), and a
    // folder factory did not make, which prune leaves alone
    const t0 = await taskWithAttempts(dir, 'admin lost', []);
    await rm(path.join(dir, '.git/worktrees', path.basename(t0.worktree)), { recursive: true });
    await rm(path.join(dir, '.git/factory/tasks', String(t0.id)), { recursive: true });
    await mkdir(path.join(wtRoot, '99'), { recursive: true });
    await writeFile(path.join(wtRoot, '99', 'junk.txt'), 'j');
    // 2. a git worktree with no task record
    const t1 = await taskWithAttempts(dir, 'record lost', []);
    await rm(path.join(dir, '.git/factory/tasks', String(t1.id)), { recursive: true });
    // 3. a task record whose worktree is gone
    const t2 = await taskWithAttempts(dir, 'worktree lost', [{ files: { 'a.txt': 'keep me\n' }, exit: 0 }]);
    await rm(t2.worktree, { recursive: true });
    const dry = await runCli(dir, ['prune', '--dry-run', '--json']);
    const kinds = JSON.parse(dry.stdout)
      .items.map((i: { kind: string }) => i.kind)
      .sort();
    expect(kinds).toEqual(['folder', 'record', 'worktree']);
    expect(existsSync(path.join(wtRoot, '99'))).toBe(true);
    const real = await runCli(dir, ['prune']);
    expect(real.code).toBe(0);
    expect(real.stdout).toContain('removed folder');
    expect(real.stdout).toContain('removed worktree');
    expect(real.stdout).toContain('removed record');
    expect(existsSync(t0.worktree)).toBe(false);
    expect(existsSync(path.join(wtRoot, '99', 'junk.txt'))).toBe(true);
    expect(existsSync(t1.worktree)).toBe(false);
    expect(sh(dir, 'worktree', 'list').split('\n')).toHaveLength(1);
    // The work of the task whose worktree vanished is still on its branch.
    expect(sh(dir, 'show', 'factory/3-worktree-lost:a.txt')).toBe('keep me');
    expect((await runCli(dir, ['prune'])).stdout).toContain('nothing to prune');
    expect(sh(dir, 'status', '--porcelain')).toBe('');
  });

  it('exits 2 on usage errors', async () => {
    const dir = await makeRepo();
    expect((await runCli(dir, ['merge'])).code).toBe(2);
    expect((await runCli(dir, ['no-such-command'])).code).toBe(2);
    expect((await runCli(dir, ['list', '--bogus'])).code).toBe(2);
    const help = await runCli(dir, ['--help']);
    expect(help.code).toBe(0);
    for (const cmd of [
      'init',
      'config',
      'new',
      'list',
      'show',
      'diff',
      'rollback',
      'merge',
      'discard',
      'prune',
    ])
      expect(help.stdout).toContain(cmd);
  });
});
