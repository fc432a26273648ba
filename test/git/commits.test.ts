import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { openRepo } from '../../src/git/repo.js';
import { createTask } from '../../src/tasks/create.js';
import { TaskWorkspace } from '../../src/tasks/workspace.js';
import { RefConflictError } from '../../src/errors.js';
import { cleanupTemps, makeRepo, runCli, sh, writeFiles } from '../helpers/git-repo.js';
import { W } from '../helpers/engine.js';

afterAll(cleanupTemps);

async function openTask(dir: string, opts = W) {
  const repo = await openRepo(dir);
  const { record } = await createTask(repo, opts, { title: 'commits' });
  return TaskWorkspace.open(repo, record.id, opts);
}

describe('step commits', () => {
  it('commits exactly the touched paths with the deterministic message and trailers', async () => {
    const dir = await makeRepo({ 'src/pager.ts': 'old\n', 'keep.txt': 'k\n' });
    const ws = await openTask(dir);
    await writeFiles(ws.worktree, { 'src/pager.ts': 'new\n', 'untouched.txt': 'not part of this step\n' });
    const sha = await ws.commitStep({ attempt: 3, step: 1, tool: 'write_file', paths: ['src/pager.ts'] });
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(sh(dir, 'log', '-1', '--format=%B', sha!).trim()).toBe(
      [
        'factory: 1.3.1 write_file src/pager.ts',
        '',
        'Factory-Task: 1',
        'Factory-Attempt: 3',
        'Factory-Step: 1',
        'Factory-Tool: write_file',
      ].join('\n'),
    );
    expect(sh(dir, 'show', '--name-only', '--format=', sha!)).toBe('src/pager.ts');
    expect(sh(dir, 'rev-parse', 'factory/1-commits')).toBe(sha);
    // The worktree's own index moved with the commit: only the untouched file shows up.
    expect(sh(ws.worktree, 'status', '--porcelain')).toBe('?? untouched.txt');
    await ws.close();
  });

  it('records deletions, and makes no commit for a call that changed nothing', async () => {
    const dir = await makeRepo({ 'gone.txt': 'x\n', 'same.txt': 's\n' });
    const ws = await openTask(dir);
    const { rm } = await import('node:fs/promises');
    await rm(path.join(ws.worktree, 'gone.txt'));
    const del = await ws.commitStep({ attempt: 1, step: 1, tool: 'delete_file', paths: ['gone.txt'] });
    expect(sh(dir, 'show', '--name-status', '--format=', del!)).toBe('D\tgone.txt');
    const noop = await ws.commitStep({ attempt: 1, step: 2, tool: 'write_file', paths: ['same.txt'] });
    expect(noop).toBeNull();
    await ws.close();
  });

  it('reports a compare-and-swap conflict and never overwrites a commit made by someone else', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    const ws = await openTask(dir);
    await writeFiles(ws.worktree, { 'other.txt': 'by hand\n' });
    sh(ws.worktree, 'add', 'other.txt');
    sh(ws.worktree, 'commit', '-qm', 'a commit by hand');
    const theirs = sh(dir, 'rev-parse', 'factory/1-commits');
    await writeFiles(ws.worktree, { 'a.txt': 'agent\n' });
    await expect(
      ws.commitStep({ attempt: 1, step: 1, tool: 'write_file', paths: ['a.txt'] }),
    ).rejects.toBeInstanceOf(RefConflictError);
    expect(sh(dir, 'rev-parse', 'factory/1-commits')).toBe(theirs);
    await expect(
      ws.commitAttempt({ attempt: 1, checkExit: 0, verdict: 'PASS', durationMs: 1, outcome: 'passed' }),
    ).rejects.toBeInstanceOf(RefConflictError);
    expect(sh(dir, 'rev-parse', 'factory/1-commits')).toBe(theirs);
    await ws.close();
  });
});

describe('attempt commits', () => {
  it('commits the whole tree with the outcome in trailers and points the attempt ref at it', async () => {
    const dir = await makeRepo({ '.gitignore': 'dist/\n', 'a.txt': 'a\n' });
    const ws = await openTask(dir);
    await writeFiles(ws.worktree, {
      'a.txt': 'changed by the check\n',
      'new.txt': 'n\n',
      'dist/out.js': 'ignored\n',
    });
    const r = await ws.commitAttempt({
      attempt: 1,
      checkExit: 1,
      verdict: 'FAIL',
      durationMs: 1234,
      outcome: 'failed',
    });
    const body = sh(dir, 'log', '-1', '--format=%B', r.commit);
    expect(body).toContain('factory: 1.1 attempt failed (check exit 1, verdict FAIL)');
    expect(body).toContain('Factory-Check-Exit: 1');
    expect(body).toContain('Factory-Verdict: FAIL');
    expect(body).toContain('Factory-Duration: 1234ms');
    expect(sh(dir, 'show', '--name-only', '--format=', r.commit).split('\n').sort()).toEqual([
      'a.txt',
      'new.txt',
    ]);
    expect(sh(dir, 'rev-parse', 'refs/factory/1/attempts/1')).toBe(r.commit);
    expect(sh(ws.worktree, 'status', '--porcelain')).toBe('');
    await ws.close();
  });

  it('can be empty, and leaves out untracked files over the size limit', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    const ws = await openTask(dir, { ...W, maxFileSize: 0.001 });
    const empty = await ws.commitAttempt({
      attempt: 1,
      checkExit: 0,
      verdict: 'PASS',
      durationMs: 1,
      outcome: 'passed',
    });
    expect(sh(dir, 'rev-parse', `${empty.commit}^{tree}`)).toBe(
      sh(dir, 'rev-parse', `${empty.commit}~1^{tree}`),
    );
    await writeFiles(ws.worktree, { 'big.bin': 'x'.repeat(5000), 'small.txt': 's\n' });
    const r = await ws.commitAttempt({
      attempt: 2,
      checkExit: 0,
      verdict: 'PASS',
      durationMs: 1,
      outcome: 'passed',
    });
    expect(r.skipped).toEqual(['big.bin']);
    expect(sh(dir, 'show', '--name-only', '--format=', r.commit)).toBe('small.txt');
    expect(sh(dir, 'log', '-1', '--format=%B', r.commit)).toContain(
      'Not committed (over the size limit): big.bin',
    );
    await ws.close();
  });

  it('never reuses an attempt number, so an attempt ref is never overwritten', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    const ws = await openTask(dir);
    await ws.commitAttempt({ attempt: 1, checkExit: 1, verdict: 'FAIL', durationMs: 1, outcome: 'failed' });
    expect(await ws.nextAttempt()).toBe(2);
    await expect(
      ws.commitAttempt({ attempt: 1, checkExit: 0, verdict: 'PASS', durationMs: 1, outcome: 'passed' }),
    ).rejects.toBeInstanceOf(RefConflictError);
    await ws.close();
  });
});

describe('git settings for every commit', () => {
  it('commits with signing forced on and a failing gpg program', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    sh(dir, 'config', 'commit.gpgsign', 'true');
    sh(dir, 'config', 'gpg.program', '/bin/false');
    const ws = await openTask(dir);
    await writeFiles(ws.worktree, { 'a.txt': 'b\n' });
    const step = await ws.commitStep({ attempt: 1, step: 1, tool: 'write_file', paths: ['a.txt'] });
    const att = await ws.commitAttempt({
      attempt: 1,
      checkExit: 0,
      verdict: 'PASS',
      durationMs: 1,
      outcome: 'passed',
    });
    expect(step).toBeTruthy();
    expect(sh(dir, 'cat-file', '-p', att.commit)).not.toContain('gpgsig');
    await ws.close();
  });

  it('is not blocked by a husky-style failing pre-commit hook or a reference-transaction hook', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    for (const hooks of ['.husky', '.git/hooks']) {
      await mkdir(path.join(dir, hooks), { recursive: true });
      for (const name of ['pre-commit', 'reference-transaction', 'commit-msg', 'post-checkout']) {
        const f = path.join(dir, hooks, name);
        await writeFile(f, `#!/bin/sh\necho "hook ${name} ran" >> "${dir}/hooks-ran.log"\nexit 1\n`);
        chmodSync(f, 0o755);
      }
    }
    sh(dir, 'config', 'core.hooksPath', '.husky');
    const ws = await openTask(dir);
    await writeFiles(ws.worktree, { 'a.txt': 'b\n' });
    expect(await ws.commitStep({ attempt: 1, step: 1, tool: 'write_file', paths: ['a.txt'] })).toBeTruthy();
    await ws.commitAttempt({ attempt: 1, checkExit: 0, verdict: 'PASS', durationMs: 1, outcome: 'passed' });
    const { existsSync } = await import('node:fs');
    expect(existsSync(path.join(dir, 'hooks-ran.log'))).toBe(false);
    await ws.close();
  });

  it('ignores GIT_* variables inherited from the caller', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    const hostile = { GIT_DIR: '/nonexistent', GIT_INDEX_FILE: '/nonexistent/index', GIT_WORK_TREE: '/' };
    const r = await runCli(dir, ['new', 'inherited env', '--json'], hostile);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).worktree).toBe(path.join(dir, '.git/factory/worktrees/1'));
    const repo = await openRepo(dir);
    const ws = await TaskWorkspace.open(repo, 1, W);
    Object.assign(process.env, hostile);
    try {
      await writeFiles(ws.worktree, { 'a.txt': 'b\n' });
      expect(await ws.commitStep({ attempt: 1, step: 1, tool: 'write_file', paths: ['a.txt'] })).toBeTruthy();
    } finally {
      for (const k of Object.keys(hostile)) delete process.env[k];
      await ws.close();
    }
  });
});
