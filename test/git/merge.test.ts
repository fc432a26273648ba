import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mergeTask } from '../../src/tasks/merge.js';
import { MergeConflictError } from '../../src/git/merge.js';
import { cleanupTemps, makeRepo, runCli, sh, writeFiles } from '../helpers/git-repo.js';
import { taskWithAttempts, W } from '../helpers/engine.js';

afterAll(cleanupTemps);

const snapshot = (dir: string) => ({
  head: sh(dir, 'rev-parse', 'HEAD'),
  status: sh(dir, 'status', '--porcelain'),
  index: sh(dir, 'ls-files', '-s'),
  files: sh(dir, 'ls-files')
    .split('\n')
    .map((f) => [f, existsSync(path.join(dir, f)) ? readFileSync(path.join(dir, f), 'utf8') : null]),
});

describe('merge', () => {
  it('squashes by default with a message summarising the task and its attempts', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const { repo, id } = await taskWithAttempts(dir, 'Fix pager', [
      { files: { 'a.txt': 'wrong\n' }, exit: 1 },
      { files: { 'a.txt': 'right\n', 'test.txt': 't\n' }, exit: 0 },
    ]);
    const r = await mergeTask(repo, W, id);
    expect(r.into).toBe('refs/heads/main');
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(r.commit);
    expect(sh(dir, 'rev-list', '--count', 'HEAD')).toBe('2');
    const msg = sh(dir, 'log', '-1', '--format=%B');
    expect(msg).toContain('Fix pager (factory task 1)');
    expect(msg).toContain('- 1.1: failed, check exit 1, verdict FAIL');
    expect(msg).toContain('- 1.2: passed, check exit 0, verdict PASS');
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('right\n');
    expect(sh(dir, 'status', '--porcelain')).toBe('');
    // The step history stays on the task branch.
    expect(Number(sh(dir, 'rev-list', '--count', 'factory/1-fix-pager'))).toBe(6);
    const list = await runCli(dir, ['list', '--json']);
    expect(JSON.parse(list.stdout)[0].status).toBe('merged');
  });

  it('--merge keeps the steps as a second parent; --rebase replays them on the current branch', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n', 'b.txt': 'b\n' });
    await taskWithAttempts(dir, 'm', [{ files: { 'a.txt': 'merged\n' }, exit: 0 }]);
    await taskWithAttempts(dir, 'r', [{ files: { 'b.txt': 'rebased\n' }, exit: 0 }]);
    const m = await runCli(dir, ['merge', '1', '--merge']);
    expect(m.code).toBe(0);
    expect(sh(dir, 'log', '-1', '--format=%P').split(' ')).toHaveLength(2);
    const r = await runCli(dir, ['merge', '2', '--rebase', '--json']);
    expect(r.code).toBe(0);
    expect(sh(dir, 'log', '-1', '--format=%s')).toBe(
      'factory: 2.1 attempt passed (check exit 0, verdict PASS)',
    );
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('merged\n');
    expect(readFileSync(path.join(dir, 'b.txt'), 'utf8')).toBe('rebased\n');
    expect(sh(dir, 'status', '--porcelain')).toBe('');
    const both = await runCli(dir, ['merge', '2', '--merge', '--rebase']);
    expect(both.code).toBe(2);
  });

  it('on a conflict changes nothing at all and names the conflicting files', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n', 'other.txt': 'o\n' });
    const { repo, id } = await taskWithAttempts(dir, 'conflict', [
      { files: { 'a.txt': 'task side\n' }, exit: 0 },
    ]);
    await writeFiles(dir, { 'a.txt': 'main side\n' });
    sh(dir, 'commit', '-qam', 'main moves');
    await writeFiles(dir, { 'other.txt': 'uncommitted user work\n' });
    sh(dir, 'add', 'other.txt');
    await writeFiles(dir, { 'scratch.txt': 'untracked\n' });
    const before = snapshot(dir);
    const tip = sh(dir, 'rev-parse', 'factory/1-conflict');
    await expect(mergeTask(repo, W, id)).rejects.toBeInstanceOf(MergeConflictError);
    const cli = await runCli(dir, ['merge', '1']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('merge conflict in 1 file(s): a.txt');
    expect(snapshot(dir)).toEqual(before);
    expect(sh(dir, 'rev-parse', 'factory/1-conflict')).toBe(tip);
    expect(existsSync(path.join(dir, '.git/MERGE_HEAD'))).toBe(false);
    const json = await runCli(dir, ['merge', '1', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ conflict: true, files: ['a.txt'] });
  });

  it('refuses, naming the files, when the main tree has uncommitted changes to files the task touched', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n', 'b.txt': 'b\n' });
    await taskWithAttempts(dir, 'dirty', [{ files: { 'a.txt': 'task\n' }, exit: 0 }]);
    await writeFiles(dir, { 'a.txt': 'my unsaved work\n' });
    const before = snapshot(dir);
    const r = await runCli(dir, ['merge', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('uncommitted changes to files the task touched: a.txt');
    expect(snapshot(dir)).toEqual(before);
  });

  it('keeps uncommitted work in files the task did not touch', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n', 'b.txt': 'b\n' });
    await taskWithAttempts(dir, 'clean', [{ files: { 'a.txt': 'task\n' }, exit: 0 }]);
    await writeFiles(dir, { 'b.txt': 'my unsaved work\n', 'new-untracked.txt': 'u\n' });
    const r = await runCli(dir, ['merge', '1']);
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('task\n');
    expect(readFileSync(path.join(dir, 'b.txt'), 'utf8')).toBe('my unsaved work\n');
    expect(sh(dir, 'status', '--porcelain').split('\n').sort()).toEqual([' M b.txt', '?? new-untracked.txt']);
    const again = await runCli(dir, ['merge', '1']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already merged');
  });

  it('merges into a detached HEAD', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    sh(dir, 'checkout', '-q', '--detach');
    await taskWithAttempts(dir, 'det', [{ files: { 'a.txt': 'task\n' }, exit: 0 }]);
    const r = await runCli(dir, ['merge', '1', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).into).toBe('HEAD (detached)');
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('task\n');
    expect(sh(dir, 'rev-parse', 'main')).not.toBe(sh(dir, 'rev-parse', 'HEAD'));
  });
});
