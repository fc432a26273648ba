import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openRepo } from '../../src/git/repo.js';
import { createTask } from '../../src/tasks/create.js';
import { discardTask } from '../../src/tasks/discard.js';
import { TaskWorkspace } from '../../src/tasks/workspace.js';
import { createFileTools } from '../../src/agent/tools/index.js';
import { FactoryError } from '../../src/errors.js';
import { cleanupTemps, makeRepo, sh, writeFiles } from '../helpers/git-repo.js';
import { W } from '../helpers/engine.js';

afterAll(cleanupTemps);

const attempt = { checkExit: 1, verdict: 'FAIL', durationMs: 1, outcome: 'failed' } as const;
const treeOf = (dir: string, rev: string) => sh(dir, 'ls-tree', '-r', '--name-only', rev).split('\n');

describe('trust: copied and ignored files never reach history', () => {
  it('refuses model edits to a worktree.copy file or an ignored path, and commits leave them out', async () => {
    const dir = await makeRepo({ '.gitignore': '.env\nbuild/\n', 'app.js': 'app\n' });
    await writeFiles(dir, { '.env': 'SECRET=hunter2\n' });
    const repo = await openRepo(dir);
    const opts = { ...W, copy: ['.env'] };
    const { record } = await createTask(repo, opts, { title: 'secrets' });
    const wt = record.worktree;
    expect(readFileSync(path.join(wt, '.env'), 'utf8')).toBe('SECRET=hunter2\n');

    const tools = createFileTools(wt);
    const env = await tools.call('write_file', { path: '.env', content: 'SECRET=leaked\n' });
    expect(env.ok).toBe(false);
    expect(env.output).toMatch(
      /^error: refused path "\.env": it was copied in .*worktree\.copy.*never commits it/,
    );
    const del = await tools.call('delete_file', { path: '.env' });
    expect(del.output).toMatch(/worktree\.copy/);
    const built = await tools.call('write_file', { path: 'build/out.js', content: 'x\n' });
    expect(built.ok).toBe(false);
    expect(built.output).toMatch(/git ignores it \(\.gitignore:2: build\/\)/);
    expect(readFileSync(path.join(wt, '.env'), 'utf8')).toBe('SECRET=hunter2\n');
    expect(existsSync(path.join(wt, 'build/out.js'))).toBe(false);

    // Whatever reaches the commits anyway (a check writing files, a .gitignore that no longer
    // ignores .env) is left out of step and attempt commits alike.
    const ws = await TaskWorkspace.open(repo, record.id, opts);
    try {
      const n = await ws.nextAttempt();
      const gi = await tools.call('write_file', { path: '.gitignore', content: 'build/\n' });
      expect(gi.ok).toBe(true);
      await writeFiles(wt, { '.env': 'SECRET=changed\n', 'build/out.js': 'x\n', 'app.js': 'app2\n' });
      const step = await ws.commitStep({
        attempt: n,
        step: 1,
        tool: 'write_file',
        paths: ['.gitignore', '.env', 'build/out.js', 'app.js'],
      });
      expect(step).toBeTruthy();
      expect(treeOf(wt, step!)).toEqual(['.gitignore', 'app.js']);
      const { commit } = await ws.commitAttempt({ attempt: n, ...attempt });
      expect(treeOf(wt, commit)).toEqual(['.gitignore', 'app.js']);
      expect(sh(wt, 'ls-files')).not.toContain('.env');
    } finally {
      await ws.close();
    }
    expect(sh(dir, 'log', '--all', '--format=%H', '--', '.env')).toBe('');
  });
});

describe('trust: a rewritten .git link never lets a commit reach the main repository', () => {
  it('refuses step and attempt commits and discard, leaving main HEAD, index and the task intact', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    const repo = await openRepo(dir);
    const { record } = await createTask(repo, W, { title: 'link' });
    const wt = record.worktree;
    const mainHead = sh(dir, 'rev-parse', 'HEAD');
    const ws = await TaskWorkspace.open(repo, record.id, W);
    const tip = ws.tip();
    const good = readFileSync(path.join(wt, '.git'), 'utf8');
    try {
      const n = await ws.nextAttempt();
      await writeFiles(wt, { 'a.txt': 'changed\n', 'new.txt': 'n\n' });
      // What a check did: point the worktree at the main repository.
      await writeFile(path.join(wt, '.git'), `gitdir: ${path.join(dir, '.git')}\n`);
      const refusedStep = await ws
        .commitStep({ attempt: n, step: 1, tool: 'write_file', paths: ['a.txt', 'new.txt'] })
        .catch((e: unknown) => e);
      expect(refusedStep).toBeInstanceOf(FactoryError);
      expect((refusedStep as FactoryError).exitCode).toBe(2);
      expect((refusedStep as FactoryError).message).toMatch(/git link of worktree .* was changed/);
      await expect(ws.commitAttempt({ attempt: n, ...attempt })).rejects.toThrow(/was changed/);
      expect(sh(dir, 'status', '--porcelain')).toBe('');
      expect(sh(dir, 'rev-parse', 'HEAD')).toBe(mainHead);
      expect(sh(dir, 'rev-parse', record.branch)).toBe(tip);
    } finally {
      await ws.close();
    }
    await expect(discardTask(repo, W, record.id)).rejects.toThrow(/was changed/);
    expect(sh(dir, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
    expect(sh(dir, 'rev-parse', record.branch)).toBe(tip);
    expect(readFileSync(path.join(wt, 'new.txt'), 'utf8')).toBe('n\n');
    // A .git directory of its own, or a link to another worktree of the repo, is refused too.
    const other = await createTask(repo, W, { title: 'other' });
    await writeFile(path.join(wt, '.git'), readFileSync(path.join(other.record.worktree, '.git'), 'utf8'));
    await expect(TaskWorkspace.open(repo, record.id, W)).rejects.toThrow(/which belongs to/);

    // After `git worktree repair` (the hint), the task goes on.
    sh(dir, 'worktree', 'repair', wt);
    expect(readFileSync(path.join(wt, '.git'), 'utf8')).toBe(good);
    const again = await TaskWorkspace.open(repo, record.id, W);
    try {
      const c = await again.commitStep({ attempt: 1, step: 1, tool: 'write_file', paths: ['a.txt'] });
      expect(c).toBeTruthy();
      expect(sh(dir, 'show', `${record.branch}:a.txt`)).toBe('changed');
    } finally {
      await again.close();
    }
  });
});

describe('trust: a write inside a submodule is refused like any bad path', () => {
  it('refuses the edit with a reason and a step commit leaves the path out instead of failing', async () => {
    const sub = await makeRepo({ 'lib.txt': 'lib\n' });
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    sh(dir, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub, 'vendor/lib');
    sh(dir, 'commit', '-qm', 'add submodule');
    const repo = await openRepo(dir);
    const { record } = await createTask(repo, W, { title: 'submodule' });
    const wt = record.worktree;
    const tools = createFileTools(wt);
    const r = await tools.call('write_file', { path: 'vendor/lib/lib.txt', content: 'hacked\n' });
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(
      /refused path "vendor\/lib\/lib\.txt": it is inside the submodule "vendor\/lib"/,
    );
    expect(readFileSync(path.join(wt, 'vendor/lib/lib.txt'), 'utf8')).toBe('lib\n');
    const ok = await tools.call('write_file', { path: 'a.txt', content: 'b\n' });
    expect(ok.ok).toBe(true);

    const ws = await TaskWorkspace.open(repo, record.id, W);
    try {
      await writeFiles(wt, { 'vendor/lib/lib.txt': 'by a check\n' });
      const c = await ws.commitStep({
        attempt: 1,
        step: 1,
        tool: 'write_file',
        paths: ['vendor/lib/lib.txt', 'a.txt'],
      });
      expect(c).toBeTruthy();
      expect(sh(dir, 'diff', '--name-only', record.base, c!)).toBe('a.txt');
    } finally {
      await ws.close();
    }
  });
});

describe('trust: task worktrees of a sparse repository are full checkouts', () => {
  for (const mode of ['cone', 'legacy'] as const) {
    it(`shows the model every file, and leaves the main tree sparse (${mode})`, async () => {
      const dir = await makeRepo({ 'in/a.txt': 'a\n', 'out/b.txt': 'b\n', 'top.txt': 't\n' });
      if (mode === 'cone') sh(dir, 'sparse-checkout', 'set', 'in');
      else {
        sh(dir, 'config', 'core.sparseCheckout', 'true');
        await writeFiles(dir, { '.git/info/sparse-checkout': '/in/\n' });
        sh(dir, 'read-tree', '-mu', 'HEAD');
      }
      expect(existsSync(path.join(dir, 'out/b.txt'))).toBe(false);
      const repo = await openRepo(dir);
      const { record } = await createTask(repo, W, { title: 'sparse' });
      const tools = createFileTools(record.worktree);
      const read = await tools.call('read_file', { path: 'out/b.txt' });
      expect(read).toMatchObject({ ok: true, output: 'b\n' });
      expect(sh(record.worktree, 'ls-files', '-t')).not.toMatch(/^S /m);
      // The main tree keeps its sparse checkout.
      expect(existsSync(path.join(dir, 'out/b.txt'))).toBe(false);
      expect(sh(dir, 'ls-files', '-t', 'out/b.txt')).toBe('S out/b.txt');
      sh(dir, 'checkout', '-q', '-b', 'other');
      expect(existsSync(path.join(dir, 'out/b.txt'))).toBe(false);
      // A recycled worktree stays full after parking and reuse.
      await discardTask(repo, W, record.id);
      const second = await createTask(repo, W, { title: 'again' });
      expect(second.recycled).toBe(true);
      expect(readFileSync(path.join(second.record.worktree, 'out/b.txt'), 'utf8')).toBe('b\n');
    });
  }
});
