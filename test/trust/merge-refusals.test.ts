import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { mergeTask } from '../../src/tasks/merge.js';
import { discardTask } from '../../src/tasks/discard.js';
import { rollbackTask, undoRollback } from '../../src/tasks/rollback.js';
import { listTasks } from '../../src/tasks/summary.js';
import { appendEvent, readEvents } from '../../src/tasks/record.js';
import { taskStatus } from '../../src/tasks/status.js';
import { plainTaskList } from '../../src/tui/review/plain.js';
import { FactoryError } from '../../src/errors.js';
import { pruneTasks } from '../../src/tasks/prune.js';
import { openRepo } from '../../src/git/repo.js';
import { cleanupTemps, makeRepo, runCli, sh, writeFiles } from '../helpers/git-repo.js';
import { taskWithAttempts, W } from '../helpers/engine.js';

afterAll(cleanupTemps);

const read = (dir: string, f: string) => readFileSync(path.join(dir, f), 'utf8');

/** Everything a merge could disturb in the main tree. */
const snapshot = (dir: string, extra: string[] = []) => ({
  head: sh(dir, 'rev-parse', 'HEAD'),
  status: sh(dir, 'status', '--porcelain', '--untracked-files=all', '--ignored'),
  index: sh(dir, 'ls-files', '-s'),
  files: [...sh(dir, 'ls-files').split('\n'), ...extra].map((f) => [
    f,
    existsSync(path.join(dir, f)) ? read(dir, f) : null,
  ]),
});

async function refusal(p: Promise<unknown>): Promise<FactoryError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FactoryError);
  expect((e as FactoryError).exitCode).toBe(2);
  return e as FactoryError;
}

describe('trust: merge and discard never destroy hand edits in a task worktree', () => {
  it('refuse naming the files (exit 2); --force saves them under refs/factory/<id>/saved/<n> first', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n', 'b.txt': 'b\n' });
    const { repo, id, worktree } = await taskWithAttempts(dir, 'edits', [
      { files: { 'a.txt': 'task\n' }, exit: 0 },
    ]);
    await writeFiles(worktree, { 'b.txt': 'edited by hand\n', 'notes/new.txt': 'a new file\n' });
    const mainBefore = snapshot(dir);
    const tip = sh(dir, 'rev-parse', 'factory/1-edits');

    const d = await runCli(dir, ['discard', '1']);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('b.txt, notes/new.txt');
    expect(d.stderr).toContain('factory discard 1 --force');
    const m = await refusal(mergeTask(repo, W, id));
    expect(m.message).toContain('b.txt, notes/new.txt');
    // Nothing moved: the edits, the branch, the main tree.
    expect(read(worktree, 'b.txt')).toBe('edited by hand\n');
    expect(read(worktree, 'notes/new.txt')).toBe('a new file\n');
    expect(sh(dir, 'rev-parse', 'factory/1-edits')).toBe(tip);
    expect(snapshot(dir)).toEqual(mainBefore);

    // merge --force: merged, and the edits are in a commit the message names.
    const r = await mergeTask(repo, W, id, 'squash', { force: true });
    expect(read(dir, 'a.txt')).toBe('task\n');
    expect(read(dir, 'b.txt')).toBe('b\n');
    expect(r.saved?.ref).toBe('refs/factory/1/saved/1');
    expect(r.saved?.files).toEqual(['b.txt', 'notes/new.txt']);
    expect(sh(dir, 'show', 'refs/factory/1/saved/1:b.txt')).toBe('edited by hand');
    expect(sh(dir, 'show', 'refs/factory/1/saved/1:notes/new.txt')).toBe('a new file');
    expect(sh(dir, 'rev-parse', 'refs/factory/1/saved/1^')).toBe(tip);
  });

  it('discard --force prints how to get the edits back, and that way works', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const { worktree } = await taskWithAttempts(dir, 'gone', [{ files: { 'a.txt': 'task\n' }, exit: 1 }]);
    await writeFiles(worktree, { 'a.txt': 'mine\n', 'extra.txt': 'extra\n' });
    const r = await runCli(dir, ['discard', '1', '--force']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('discarded task 1');
    expect(r.stdout).toContain('refs/factory/1/saved/1');
    expect(existsSync(worktree)).toBe(false);
    // Even `factory prune`, which drops a discarded task's refs, keeps them.
    await pruneTasks(await openRepo(dir), W, false);
    expect(sh(dir, 'for-each-ref', '--format=%(refname)', 'refs/factory/1/')).toBe('refs/factory/1/saved/1');
    const cmd = /`(git restore [^`]+)`/.exec(r.stdout)![1]!;
    execFileSync('sh', ['-c', cmd], { cwd: dir });
    expect(read(dir, 'a.txt')).toBe('mine\n');
    expect(read(dir, 'extra.txt')).toBe('extra\n');
  });
});

describe('trust: a save of hand edits killed inside its update-ref does not block the next one', () => {
  it('the leftover <ref>.lock is skipped: discard --force saves under the next number', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const { repo, id, worktree } = await taskWithAttempts(dir, 'locked', [
      { files: { 'a.txt': 'task\n' }, exit: 0 },
    ]);
    await writeFiles(worktree, { 'mine.txt': 'by hand\n' });
    // What `git update-ref refs/factory/1/saved/1` leaves when it is killed -9 holding its lock.
    await mkdir(path.join(repo.commonDir, 'refs/factory/1/saved'), { recursive: true });
    await writeFile(path.join(repo.commonDir, 'refs/factory/1/saved/1.lock'), '');
    const r = await discardTask(repo, W, id, { force: true });
    expect(r.saved?.ref).toBe('refs/factory/1/saved/2');
    expect(sh(dir, 'show', 'refs/factory/1/saved/2:mine.txt')).toBe('by hand');
  });
});

describe('trust: merge never replaces an untracked or ignored file of the main tree', () => {
  it('refuses and names them; nothing changes', async () => {
    // The task starts where nothing is ignored, so its branch tracks the files; main then starts
    // ignoring them (commits never stage an ignored file, so this is how a branch comes to hold one).
    const dir = await makeRepo({ '.gitignore': '', 'a.txt': 'base\n' });
    const { repo, id } = await taskWithAttempts(dir, 'secrets', [
      {
        files: { '.env': 'TOKEN=model\n', 'build/out.txt': 'model build\n', 'notes.txt': 'model notes\n' },
        exit: 0,
      },
    ]);
    await writeFiles(dir, { '.gitignore': '.env\nbuild/\n' });
    sh(dir, 'commit', '-qam', 'ignore .env and build/');
    await writeFiles(dir, {
      '.env': 'TOKEN=mine\n',
      'build/out.txt': 'my build\n',
      'notes.txt': 'my notes\n',
    });
    const extra = ['.env', 'build/out.txt', 'notes.txt'];
    const before = snapshot(dir, extra);
    const r = await runCli(dir, ['merge', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('untracked or ignored');
    for (const f of extra) expect(r.stderr).toContain(f);
    expect(snapshot(dir, extra)).toEqual(before);
    // Also when the merge needs a directory where the user has a file.
    await rm(path.join(dir, 'build'), { recursive: true });
    await writeFiles(dir, { build: 'a file named build\n' });
    await rm(path.join(dir, '.env'));
    await rm(path.join(dir, 'notes.txt'));
    const e = await refusal(mergeTask(repo, W, id));
    expect(e.message).toMatch(/: build$/);
    expect(read(dir, 'build')).toBe('a file named build\n');
  });
});

describe('trust: merge refuses while a git operation is in progress in the main tree', () => {
  it('names a paused rebase -i, a pending merge and a bisect', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n', 'u.txt': 'u\n' });
    await writeFiles(dir, { 'u.txt': 'u2\n' });
    sh(dir, 'commit', '-qam', 'second');
    const { repo, id } = await taskWithAttempts(dir, 'op', [{ files: { 'a.txt': 'task\n' }, exit: 0 }]);

    execFileSync('git', ['rebase', '-i', 'HEAD~1'], {
      cwd: dir,
      env: { ...process.env, GIT_SEQUENCE_EDITOR: 'sed -i 1s/^pick/edit/' },
      stdio: 'ignore',
    });
    const head = sh(dir, 'rev-parse', 'HEAD');
    const r = await runCli(dir, ['merge', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a rebase is in progress');
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(head);
    sh(dir, 'rebase', '--abort');

    sh(dir, 'branch', 'side', 'HEAD~1');
    sh(dir, 'checkout', '-q', 'side');
    await writeFiles(dir, { 'side.txt': 's\n' });
    sh(dir, 'add', 'side.txt');
    sh(dir, 'commit', '-qm', 'side');
    sh(dir, 'checkout', '-q', 'main');
    sh(dir, 'merge', '--no-commit', '--no-ff', '-q', 'side');
    const staged = sh(dir, 'status', '--porcelain');
    expect((await refusal(mergeTask(repo, W, id))).message).toContain('a merge is in progress');
    expect(sh(dir, 'status', '--porcelain')).toBe(staged);
    expect(existsSync(path.join(dir, '.git/MERGE_HEAD'))).toBe(true);
    sh(dir, 'merge', '--abort');

    sh(dir, 'bisect', 'start');
    expect((await refusal(mergeTask(repo, W, id))).message).toContain('a bisect is in progress');
    sh(dir, 'bisect', 'reset');
    await mergeTask(repo, W, id);
    expect(read(dir, 'a.txt')).toBe('task\n');
  });
});

describe('trust: status is the status of the attempt the branch is on', () => {
  it('after rolling back to a failed attempt: list, show and the review list say failed, and merge refuses', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const { repo, id } = await taskWithAttempts(dir, 'roll', [
      { files: { 'a.txt': 'wrong\n' }, exit: 1 },
      { files: { 'a.txt': 'right\n' }, exit: 0 },
    ]);
    // What the runner logs when the loop ends on a pass.
    await appendEvent(repo, id, 'status', { status: 'passed', reason: 'the check passed' });
    await rollbackTask(repo, { task: id, attempt: 1 });

    const st = await taskStatus(repo, id, await readEvents(repo, id));
    expect(st).toMatchObject({ status: 'failed', rolledBackFrom: '1.2' });
    const rows = await listTasks(repo);
    expect(rows[0]).toMatchObject({ status: 'failed', rolledBackFrom: '1.2' });
    expect(plainTaskList(rows)).toContain('failed (rolled back from 1.2)');
    const show = await runCli(dir, ['show', '1']);
    expect(show.stdout).toContain('status   failed (rolled back from 1.2)');

    const head = sh(dir, 'rev-parse', 'HEAD');
    const m = await runCli(dir, ['merge', '1']);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain('attempt 1.1, which ended failed');
    expect(m.stderr).toContain('--force');
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(head);

    // Undoing the rollback brings the passing attempt, and its status, back.
    await undoRollback(repo, id);
    expect(await taskStatus(repo, id, await readEvents(repo, id))).toEqual({
      status: 'passed',
      detail: 'the check passed',
    });
    await rollbackTask(repo, { task: id, attempt: 1 });
    const forced = await mergeTask(repo, W, id, 'squash', { force: true });
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(forced.commit);
    expect(read(dir, 'a.txt')).toBe('wrong\n');
  });

  it('a step or a hand commit at the tip is not a passing attempt either', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const { repo, id, worktree } = await taskWithAttempts(dir, 'hand', [
      { files: { 'a.txt': 'ok\n' }, exit: 0 },
    ]);
    await writeFiles(worktree, { 'a.txt': 'by hand\n' });
    sh(worktree, 'commit', '-qam', 'my own commit');
    expect((await refusal(mergeTask(repo, W, id))).message).toContain('a commit not made by factory');
    await rollbackTask(repo, { task: id, attempt: 1, step: 1 });
    expect((await refusal(mergeTask(repo, W, id))).message).toContain('step 1.1.1 (an unfinished attempt)');
  });
});

describe('trust: merge --rebase says what is true', () => {
  it('a change already on main: refuses, no empty commit', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const { repo, id } = await taskWithAttempts(dir, 'dup', [{ files: { 'a.txt': 'same\n' }, exit: 0 }]);
    await writeFiles(dir, { 'a.txt': 'same\n' });
    sh(dir, 'commit', '-qam', 'main made the same change');
    const head = sh(dir, 'rev-parse', 'HEAD');
    const r = await runCli(dir, ['merge', '1', '--rebase']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nothing to merge: the changes of task 1 are already in main');
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(head);
    for (const mode of ['squash', 'merge'] as const)
      expect((await refusal(mergeTask(repo, W, id, mode))).message).toContain('nothing to merge');
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(head);
  });

  it('a task whose worktree the user deleted: says so, and --squash still works', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const { repo, id, worktree } = await taskWithAttempts(dir, 'nowt', [
      { files: { 'a.txt': 'task\n' }, exit: 0 },
    ]);
    await rm(worktree, { recursive: true, force: true });
    const r = await runCli(dir, ['merge', '1', '--rebase']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`that worktree is gone (${worktree})`);
    expect(r.stderr).toContain('--squash');
    expect(r.stderr).not.toContain('install git');
    await mergeTask(repo, W, id, 'squash');
    expect(read(dir, 'a.txt')).toBe('task\n');
  });
});

describe('trust: the merge-conflict hint leads somewhere', () => {
  it('points to `factory resume <task> --rebase`', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n' });
    const { repo, id } = await taskWithAttempts(dir, 'clash', [{ files: { 'a.txt': 'task\n' }, exit: 0 }]);
    await writeFiles(dir, { 'a.txt': 'main\n' });
    sh(dir, 'commit', '-qam', 'main moves');
    const e = await mergeTask(repo, W, id).catch((err: FactoryError) => err);
    expect(e).toBeInstanceOf(FactoryError);
    expect((e as FactoryError).hint).toContain(`factory resume ${id} --rebase`);
    // Discard still works on a clean task worktree, with no refusal.
    await discardTask(repo, W, id);
  });
});

describe('trust: merge goes through a file the user only touched', () => {
  it('same content, newer mtime (an editor, a build tool, `touch`): merged, not "not uptodate"', async () => {
    const dir = await makeRepo({ 'a.txt': 'base\n', 'b.txt': 'b\n' });
    const { repo, id } = await taskWithAttempts(dir, 'touched', [{ files: { 'a.txt': 'task\n' }, exit: 0 }]);
    // The index's cached stat data of a.txt no longer matches the file; its content still does.
    const later = new Date(Date.now() + 60_000);
    await utimes(path.join(dir, 'a.txt'), later, later);
    await mergeTask(repo, W, id);
    expect(read(dir, 'a.txt')).toBe('task\n');
    expect(sh(dir, 'status', '--porcelain')).toBe('');
  });
});
