import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openRepo } from '../../src/git/repo.js';
import { createTask } from '../../src/tasks/create.js';
import { pruneTasks } from '../../src/tasks/prune.js';
import { FactoryError } from '../../src/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { cleanupTemps, makeRepo, runCli, sh, tempDir, writeFiles } from '../helpers/git-repo.js';
import { W } from '../helpers/engine.js';

afterAll(cleanupTemps);

const refusal = async (p: Promise<unknown>): Promise<FactoryError> => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FactoryError);
  expect((e as FactoryError).exitCode).toBe(2);
  return e as FactoryError;
};

/** A repo in `<parent>/proj` with a tracked src/, next to a sibling project with the user's notes. */
async function repoWithSibling() {
  const parent = await tempDir();
  const dir = path.join(parent, 'proj');
  await mkdir(dir);
  sh(dir, 'init', '-q', '-b', 'main');
  await writeFiles(dir, { 'src/a.js': 'a\n', '.gitignore': '/ignored-wt/\n' });
  sh(dir, 'add', '-A');
  sh(dir, 'commit', '-qm', 'init');
  await writeFiles(parent, { 'sibling/notes.txt': 'my notes\n' });
  return { parent, dir, repo: await openRepo(dir) };
}

describe('trust: prune never deletes the repository or folders factory did not make', () => {
  it('refuses worktree.dir "." , "..", ".git", a tracked folder, an unignored folder and a full one', async () => {
    const { parent, dir, repo } = await repoWithSibling();
    for (const [d, why] of [
      ['.', /is the repository itself/],
      ['..', /a folder above the repository/],
      ['/', /a folder above the repository/],
      ['.git', /\.git directory/],
      ['src', /holds files the repository tracks/],
      ['loose', /git does not ignore it/],
      ['../sibling', /is not empty and factory did not make it/],
    ] as const) {
      const opts = { ...W, dir: d };
      expect((await refusal(pruneTasks(repo, opts, true))).message).toMatch(why);
      expect((await refusal(pruneTasks(repo, opts, false))).message).toMatch(why);
      expect((await refusal(createTask(repo, opts, { title: 't' }))).message).toMatch(why);
    }
    // Nothing was deleted or created, and no task exists.
    expect(existsSync(path.join(dir, '.git/HEAD'))).toBe(true);
    expect(readFileSync(path.join(dir, 'src/a.js'), 'utf8')).toBe('a\n');
    expect(readFileSync(path.join(parent, 'sibling/notes.txt'), 'utf8')).toBe('my notes\n');
    expect(existsSync(path.join(dir, 'loose'))).toBe(false);
    expect(sh(dir, 'branch', '--list', 'factory/*')).toBe('');
    expect(sh(dir, 'status', '--porcelain')).toBe('');
  });

  it('names the file and the field for "." and ".." at config load, and the CLI exits 2', async () => {
    const { dir } = await repoWithSibling();
    await writeFile(path.join(dir, '.factoryrc.json'), JSON.stringify({ worktree: { dir: '..' } }));
    await expect(loadConfig({ repoRoot: dir, env: {}, userConfigPath: '/nonexistent' })).rejects.toThrow(
      /\.factoryrc\.json: worktree\.dir: "\.\." is .*a folder above the repository/,
    );
    const r = await runCli(dir, ['prune']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('worktree.dir');
  });

  it('uses an ignored or outside folder, marks it, and prunes only folders it made', async () => {
    const { parent, dir, repo } = await repoWithSibling();
    for (const d of ['ignored-wt', path.join(parent, 'wts')]) {
      const opts = { ...W, dir: d };
      const { record } = await createTask(repo, opts, { title: `in ${path.basename(d)}` });
      const wtDir = path.dirname(record.worktree);
      expect(JSON.parse(readFileSync(path.join(wtDir, '.factory-worktrees.json'), 'utf8')).repo).toBe(
        repo.commonDir,
      );
      // A folder the user put there, and a factory worktree git forgot (its admin dir removed).
      await writeFiles(wtDir, { 'users-own/keep.txt': 'keep\n' });
      const forgotten = await createTask(repo, opts, { title: 'forgotten' });
      const name = path.basename(sh(forgotten.record.worktree, 'rev-parse', '--absolute-git-dir'));
      await rm(path.join(dir, '.git/worktrees', name), { recursive: true });
      const dry = await pruneTasks(repo, opts, true);
      expect(dry.filter((i) => i.kind === 'folder').map((i) => i.path)).toEqual([forgotten.record.worktree]);
      await pruneTasks(repo, opts, false);
      expect(existsSync(forgotten.record.worktree)).toBe(false);
      expect(readFileSync(path.join(wtDir, 'users-own/keep.txt'), 'utf8')).toBe('keep\n');
      expect(existsSync(path.join(record.worktree, 'src/a.js'))).toBe(true);
    }
    expect(sh(dir, 'status', '--porcelain')).toBe('');
  });
});

describe('trust: a worktree.dir shared with another repository never costs it its worktrees', () => {
  it("leaves repo B's live worktree and notes alone, and refuses B's use of A's folder", async () => {
    const parent = await tempDir();
    const shared = path.join(parent, 'shared');
    const a = await makeRepo({ 'a.txt': 'a\n' });
    const b = await makeRepo({ 'b.txt': 'b\n' });
    const repoA = await openRepo(a);
    const repoB = await openRepo(b);
    const opts = { ...W, dir: shared };
    await createTask(repoA, opts, { title: 'a task' });
    // B's worktree in the shared folder, with the user's notes: B made it with plain git.
    sh(b, 'worktree', 'add', '-q', path.join(shared, '7'), '-b', 'feature');
    await writeFiles(path.join(shared, '7'), { 'NOTES.md': 'unsaved thoughts\n' });
    // A stale entry in A for the same path: A once had a worktree there (its admin dir remains).
    await mkdir(path.join(a, '.git/worktrees/7'), { recursive: true });
    await writeFile(path.join(a, '.git/worktrees/7/gitdir'), `${path.join(shared, '7', '.git')}\n`);
    await writeFile(path.join(a, '.git/worktrees/7/HEAD'), `${sh(a, 'rev-parse', 'HEAD')}\n`);
    await writeFile(path.join(a, '.git/worktrees/7/commondir'), '../..\n');
    expect(sh(a, 'worktree', 'list')).toContain(path.join(shared, '7'));

    expect(await pruneTasks(repoA, opts, true)).toEqual([]);
    expect(await pruneTasks(repoA, opts, false)).toEqual([]);
    expect(readFileSync(path.join(shared, '7', 'NOTES.md'), 'utf8')).toBe('unsaved thoughts\n');
    expect(sh(path.join(shared, '7'), 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('feature');
    const e = await refusal(createTask(repoB, opts, { title: 'b task' }));
    expect(e.message).toMatch(/holds the task worktrees of another repository/);
    expect((await refusal(pruneTasks(repoB, opts, false))).message).toMatch(/another repository/);
    expect(existsSync(path.join(shared, '7', 'NOTES.md'))).toBe(true);
  });
});
