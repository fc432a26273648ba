import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { openRepo } from '../../src/git/repo.js';
import { createTask } from '../../src/tasks/create.js';
import { discardTask } from '../../src/tasks/discard.js';
import { readRecord } from '../../src/tasks/record.js';
import { cleanupTemps, makeRepo, runCli, sh, tempDir, writeFiles } from '../helpers/git-repo.js';
import { W } from '../helpers/engine.js';
import type { SandboxPlan } from '../../src/agent/os-sandbox/index.js';

afterAll(cleanupTemps);

describe('creating a task', () => {
  it('gives it an id, a branch, a worktree in the common dir and a recorded base', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    const repo = await openRepo(dir);
    const { record } = await createTask(repo, W, { title: 'Fix the Pager: off-by-one!' });
    expect(record.id).toBe(1);
    expect(record.branch).toBe('factory/1-fix-the-pager-off-by-one');
    expect(record.worktree).toBe(path.join(dir, '.git', 'factory', 'worktrees', '1'));
    expect(record.base).toBe(sh(dir, 'rev-parse', 'HEAD'));
    expect(sh(record.worktree, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(record.branch);
    // Nothing appears in the user's tree, and the branch tracks nothing.
    expect(sh(dir, 'status', '--porcelain')).toBe('');
    expect(() => sh(dir, 'config', '--get-regexp', '^branch\\.')).toThrow();
    const second = await createTask(repo, W, { title: 'another' });
    expect(second.record.id).toBe(2);
  });

  it('starts from --base and refuses an unknown base with exit 2', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    const first = sh(dir, 'rev-parse', 'HEAD');
    await writeFiles(dir, { 'a.txt': 'b\n' });
    sh(dir, 'commit', '-qam', 'second');
    const ok = await runCli(dir, ['new', 'from old', '--base', 'HEAD~1', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).base).toBe(first);
    const bad = await runCli(dir, ['new', 'x', '--base', 'no-such-branch']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown base ref: no-such-branch');
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    // A refused start leaves no record, branch or gap in the ids.
    const next = await runCli(dir, ['new', 'next', '--json']);
    expect(JSON.parse(next.stdout).id).toBe(2);
  });

  it('refuses outside a repo and in a repo with no commits, with exit 2 and one line', async () => {
    const plain = await tempDir();
    const r1 = await runCli(plain, ['new', 'x']);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/^factory: not a git repository/);
    const empty = await tempDir();
    sh(empty, 'init', '-q');
    const r2 = await runCli(empty, ['new', 'x']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/^factory: the repository has no commits yet/);
    expect(r2.stderr).not.toMatch(/at .*\.ts/);
  });

  it('works from a subdirectory, from inside a task worktree, and on a detached HEAD', async () => {
    const dir = await makeRepo({ 'src/deep/a.txt': 'a\n' });
    const fromSub = await runCli(path.join(dir, 'src/deep'), ['new', 'from sub', '--json']);
    expect(fromSub.code).toBe(0);
    const wt = JSON.parse(fromSub.stdout).worktree;
    const fromTask = await runCli(wt, ['new', 'from task', '--json']);
    expect(fromTask.code).toBe(0);
    expect(JSON.parse(fromTask.stdout).worktree).toBe(path.join(dir, '.git/factory/worktrees/2'));
    sh(dir, 'checkout', '-q', '--detach');
    const detached = await runCli(dir, ['new', 'detached', '--json']);
    expect(detached.code).toBe(0);
    expect(JSON.parse(detached.stdout).baseName).toBe('HEAD');
    const list = await runCli(wt, ['list', '--json']);
    expect(JSON.parse(list.stdout).map((t: { id: number }) => t.id)).toEqual([1, 2, 3]);
  });

  it('puts worktrees where worktree.dir says', async () => {
    const dir = await makeRepo();
    const repo = await openRepo(dir);
    const out = await tempDir();
    const { record } = await createTask(repo, { ...W, dir: out }, { title: 'elsewhere' });
    expect(record.worktree).toBe(path.join(out, '1'));
    expect(existsSync(path.join(out, '1', 'README.md'))).toBe(true);
  });
});

describe('making the worktree runnable', () => {
  it('copies ignored files by glob, links directories and runs setup once with its output logged', async () => {
    const dir = await makeRepo({ '.gitignore': '.env\nnode_modules/\nconfig/*.local\n', 'a.txt': 'a\n' });
    await writeFiles(dir, {
      '.env': 'SECRET=1\n',
      'config/app.local': 'x\n',
      'node_modules/dep/index.js': '1\n',
    });
    const repo = await openRepo(dir);
    const opts = {
      ...W,
      copy: ['.env', 'config/*.local'],
      link: ['node_modules'],
      setup: 'echo prepared > setup.out; echo to-log',
    };
    const { record } = await createTask(repo, opts, { title: 'runnable' });
    const wt = record.worktree;
    expect(readFileSync(path.join(wt, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(readFileSync(path.join(wt, 'config/app.local'), 'utf8')).toBe('x\n');
    expect(lstatSync(path.join(wt, 'node_modules')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path.join(wt, 'node_modules'))).toBe(path.join(dir, 'node_modules'));
    expect(readFileSync(path.join(wt, 'setup.out'), 'utf8')).toBe('prepared\n');
    expect(readFileSync(path.join(dir, '.git/factory/tasks/1/setup.log'), 'utf8')).toContain('to-log');
  });

  it('stops with a clear error when setup fails, and exit 2 when the setup command is missing', async () => {
    const dir = await makeRepo();
    await writeFile(
      path.join(dir, '.factoryrc.json'),
      JSON.stringify({ worktree: { setup: 'echo boom >&2; exit 3' } }),
    );
    const failed = await runCli(dir, ['new', 'x']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('setup command failed with exit 3');
    expect(failed.stderr).toContain('setup.log');
    await writeFile(
      path.join(dir, '.factoryrc.json'),
      JSON.stringify({ worktree: { setup: 'no-such-tool-xyz --init' } }),
    );
    const missing = await runCli(dir, ['new', 'y']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('setup command not found: no-such-tool-xyz --init');
    const list = await runCli(dir, ['list', '--json']);
    expect(JSON.parse(list.stdout).map((t: { status: string }) => t.status)).toEqual(['failed', 'failed']);
  });

  it('stops with the reason when the program that runs setup cannot start at all', async () => {
    const dir = await makeRepo();
    const repo = await openRepo(dir);
    // A sandbox program that vanished after detection: nothing runs, so there is no exit code.
    const setupSandbox: SandboxPlan = {
      kind: 'bwrap',
      program: path.join(dir, 'no-such-bwrap'),
      writable: [],
      readable: [],
      network: true,
      home: dir,
      envAllow: [],
      envDeny: [],
    };
    await expect(createTask(repo, { ...W, setup: 'true' }, { title: 'x', setupSandbox })).rejects.toThrow(
      /no-such-bwrap ENOENT/,
    );
    const list = await runCli(dir, ['list', '--json']);
    expect(JSON.parse(list.stdout).map((t: { status: string }) => t.status)).toEqual(['failed']);
  });

  it('initialises submodules in the worktree', async () => {
    const sub = await makeRepo({ 'lib.txt': 'from submodule\n' });
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    sh(dir, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub, 'vendor/lib');
    sh(dir, 'commit', '-qm', 'add submodule');
    const repo = await openRepo(dir);
    const { record } = await createTask(repo, W, { title: 'with submodule' });
    expect(readFileSync(path.join(record.worktree, 'vendor/lib/lib.txt'), 'utf8')).toBe('from submodule\n');
  });
});

describe('recycling', () => {
  it('reuses a discarded worktree, keeps link/keep directories and cleans other untracked files', async () => {
    const dir = await makeRepo({ '.gitignore': 'build/\ncache/\n', 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const repo = await openRepo(dir);
    const opts = { ...W, keep: ['cache'] };
    const first = await createTask(repo, opts, { title: 'first' });
    const wt1 = first.record.worktree;
    await writeFiles(wt1, {
      'cache/kept.bin': 'k',
      'build/out.o': 'o',
      'stray.txt': 's',
      'a.txt': 'modified\n',
    });
    // Hand edits stop a discard; --force keeps them in a commit, then the worktree is cleaned.
    await expect(discardTask(repo, opts, first.record.id)).rejects.toThrow('stray.txt');
    const d = await discardTask(repo, opts, first.record.id, { force: true });
    expect(d.saved?.files).toEqual(['a.txt', 'stray.txt']);
    expect(d.worktree).toBe('pooled');
    expect(existsSync(wt1)).toBe(false);
    expect(sh(dir, 'branch', '--list', 'factory/*')).toBe('');

    await writeFiles(dir, { 'b.txt': 'b2\n' });
    sh(dir, 'commit', '-qam', 'move main on');
    const second = await createTask(repo, opts, { title: 'second' });
    expect(second.recycled).toBe(true);
    const wt2 = second.record.worktree;
    expect(wt2).toBe(path.join(dir, '.git/factory/worktrees/2'));
    expect(readFileSync(path.join(wt2, 'a.txt'), 'utf8')).toBe('a\n');
    expect(readFileSync(path.join(wt2, 'b.txt'), 'utf8')).toBe('b2\n');
    expect(existsSync(path.join(wt2, 'cache/kept.bin'))).toBe(true);
    expect(existsSync(path.join(wt2, 'build/out.o'))).toBe(false);
    expect(existsSync(path.join(wt2, 'stray.txt'))).toBe(false);
    expect(sh(wt2, 'status', '--porcelain')).toBe('');
    expect(sh(wt2, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('factory/2-second');
    expect((await readRecord(repo, 2)).base).toBe(sh(dir, 'rev-parse', 'HEAD'));
  });

  it('keeps at most `pool` worktrees', async () => {
    const dir = await makeRepo();
    const repo = await openRepo(dir);
    const opts = { ...W, pool: 1 };
    const a = await createTask(repo, opts, { title: 'a' });
    const b = await createTask(repo, opts, { title: 'b' });
    expect((await discardTask(repo, opts, a.record.id)).worktree).toBe('pooled');
    expect((await discardTask(repo, opts, b.record.id)).worktree).toBe('removed');
    const listed = sh(dir, 'worktree', 'list').split('\n');
    expect(listed).toHaveLength(2);
  });

  it('leaves no trace in the main tree after a pooled worktree is reused', async () => {
    const dir = await makeRepo();
    await mkdir(path.join(dir, 'untracked-dir'));
    const repo = await openRepo(dir);
    const a = await createTask(repo, W, { title: 'a' });
    await discardTask(repo, W, a.record.id);
    await createTask(repo, W, { title: 'b' });
    expect(sh(dir, 'status', '--porcelain')).toBe('');
  });
});
