import { existsSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openRepo, type Repo } from '../../src/git/repo.js';
import { readHistory } from '../../src/git/history.js';
import { attemptRef, branchRef } from '../../src/git/refs.js';
import { createTask } from '../../src/tasks/create.js';
import { DEFAULT_WORKTREE_OPTIONS } from '../../src/tasks/options.js';
import { runLockFile } from '../../src/tasks/paths.js';
import { readEvents, readRecord } from '../../src/tasks/record.js';
import { TaskWorkspace } from '../../src/tasks/workspace.js';
import { attemptOutcome, startWriter, stepFile, type Writer } from '../helpers/commit-writer.js';
import { expectFsckClean, gitAll, snapshotFiles } from '../helpers/repo-checks.js';
import { cleanupTemps, makeRepo, runCli, sh } from '../helpers/git-repo.js';

const TASKS = 8;
const ATTEMPTS = 5;
const STEPS = 10;

const MAIN_FILES = {
  'README.md': '# demo\n',
  'src/index.ts': 'export const answer = 42;\n',
  'src/util/strings.ts': 'export const hello = (n: string) => `hello ${n}`;\n',
  '.gitignore': 'node_modules/\n',
};

const started: Writer[] = [];
afterEach(() => {
  // A failed assertion must not leave writers behind, waiting for a `go` that never comes.
  for (const w of started.splice(0))
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill();
});
afterAll(cleanupTemps);

const snapshot = (root: string) => snapshotFiles(root, Object.keys(MAIN_FILES));

function writer(args: string[]): Writer {
  const w = startWriter(args);
  started.push(w);
  return w;
}

describe('concurrent tasks in one repository', () => {
  it('creates 8 tasks at once, then 8 processes commit 50 steps and 5 attempts each without interfering', async () => {
    const t0 = Date.now();
    const dir = await makeRepo(MAIN_FILES);
    const repo: Repo = await openRepo(dir);
    const head = sh(dir, 'rev-parse', 'HEAD');
    const before = await snapshot(dir);

    const created = await Promise.all(
      Array.from({ length: TASKS }, (_, i) =>
        createTask(repo, DEFAULT_WORKTREE_OPTIONS, { title: `parallel task ${i + 1}` }),
      ),
    );
    const ids = created.map((c) => c.record.id);
    expect([...ids].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(created.map((c) => c.record.branch)).size).toBe(TASKS);
    expect(new Set(created.map((c) => c.record.worktree)).size).toBe(TASKS);
    for (const { record } of created) {
      expect(record.base).toBe(head);
      expect(sh(dir, 'rev-parse', branchRef(record.branch))).toBe(head);
      expect(await readRecord(repo, record.id)).toEqual(record);
      expect(sh(record.worktree, 'status', '--porcelain')).toBe('');
    }
    const tCreated = Date.now();

    // One process per task, all released at the same moment once every workspace is open.
    const writers = ids.map((id) =>
      writer(['commit', dir, String(id), '--attempts', String(ATTEMPTS), '--steps', String(STEPS), '--wait']),
    );
    const firstCommit: number[] = [];
    const finished: number[] = [];
    writers.forEach((w, i) =>
      w.onEvent((e) => {
        if (e.event === 'committed') firstCommit[i] ??= Date.now();
        if (e.event === 'done') finished[i] = Date.now();
      }),
    );
    await Promise.all(writers.map((w) => w.waitFor((e) => e.event === 'ready')));
    const tReady = Date.now();
    for (const w of writers) w.go();
    const exits = await Promise.all(writers.map((w) => w.exited));
    const tDone = Date.now();

    writers.forEach((w, i) => {
      const label = `task ${ids[i]}: ${w.stderr()}`;
      expect(exits[i], label).toEqual({ code: 0, signal: null });
      expect(w.stderr(), label).toBe('');
      expect(w.noise, label).toEqual([]);
      expect(w.events.at(-1), label).toEqual({ event: 'done' });
      expect(w.events.filter((e) => e.event === 'committed')).toHaveLength(ATTEMPTS * (STEPS + 1));
    });
    // The writers really overlapped: every one had committed before the first one finished.
    expect(Math.max(...firstCommit)).toBeLessThan(Math.min(...finished));

    for (const [i, { record }] of created.entries()) {
      const id = record.id;
      const branch = branchRef(record.branch);
      const tip = sh(dir, 'rev-parse', branch);
      expect(Number(sh(dir, 'rev-list', '--count', `${head}..${branch}`))).toBe(ATTEMPTS * (STEPS + 1));
      // Exactly the commits the writer reported, in order, one parent each.
      const reported = writers[i]!.events.flatMap((e) => (e.event === 'committed' ? [e.sha] : []));
      expect(sh(dir, 'rev-list', '--reverse', '--first-parent', `${head}..${branch}`).split('\n')).toEqual(
        reported,
      );
      expect(sh(dir, 'rev-list', '--min-parents=2', `${head}..${branch}`)).toBe('');
      for (let a = 1; a <= ATTEMPTS; a++) {
        const ref = sh(dir, 'rev-parse', '--verify', attemptRef(id, a));
        expect(sh(dir, 'cat-file', '-t', ref)).toBe('commit');
        expect(gitAll(dir, 'merge-base', '--is-ancestor', ref, tip).code).toBe(0);
      }
      expect(gitAll(dir, 'rev-parse', '--verify', '--quiet', attemptRef(id, ATTEMPTS + 1)).code).not.toBe(0);
      expect(sh(dir, 'rev-parse', attemptRef(id, ATTEMPTS))).toBe(tip);
      // Only this task's files, and all of them: no step picked up another worktree's change.
      const files = sh(dir, 'ls-tree', '-r', '--name-only', tip).split('\n').sort();
      const expected = new Set(Object.keys(MAIN_FILES));
      for (let a = 1; a <= ATTEMPTS; a++) {
        for (let s = 1; s <= STEPS; s++) expected.add(stepFile(a, s));
        if (a % 2 === 1) expected.add(`out/attempt-${a}.log`);
      }
      expect(files).toEqual([...expected].sort());
      expect(sh(dir, 'show', `${tip}:progress.txt`)).toBe(`task ${id} attempt ${ATTEMPTS} step ${STEPS}`);
      expect(sh(record.worktree, 'status', '--porcelain')).toBe('');

      const history = await readHistory(repo, id, record.base, tip);
      expect(history.foreign).toEqual([]);
      expect(history.attempts.map((a) => a.n)).toEqual([1, 2, 3, 4, 5]);
      for (const a of history.attempts) {
        const want = attemptOutcome(id, a.n);
        expect(a.commit).toBe(sh(dir, 'rev-parse', attemptRef(id, a.n)));
        expect(a.onBranch).toBe(true);
        expect(a.steps.map((s) => s.address)).toEqual(
          Array.from({ length: STEPS }, (_, s) => `${id}.${a.n}.${s + 1}`),
        );
        expect(a.steps.every((s) => s.tool === 'write_file')).toBe(true);
        expect(a.steps.map((s) => s.files)).toEqual(
          Array.from({ length: STEPS }, (_, s) => [stepFile(a.n, s + 1)]),
        );
        expect({
          checkExit: a.checkExit,
          verdict: a.verdict,
          durationMs: a.durationMs,
          outcome: a.outcome,
        }).toEqual(want);
      }
      const attemptEvents = (await readEvents(repo, id)).filter((e) => e.type === 'attempt');
      expect(attemptEvents.map((e) => e.attempt)).toEqual([1, 2, 3, 4, 5]);
      expect(existsSync(runLockFile(repo, id))).toBe(false);

      // The workspace API reads the same history, and the task can be opened again.
      const ws = await TaskWorkspace.open(repo, id, DEFAULT_WORKTREE_OPTIONS);
      try {
        expect(ws.branch.tip).toBe(tip);
        expect((await ws.history()).attempts.map((a) => [a.n, a.steps.length])).toEqual(
          [1, 2, 3, 4, 5].map((n) => [n, STEPS]),
        );
        expect(await ws.nextAttempt()).toBe(ATTEMPTS + 1);
      } finally {
        await ws.close();
      }
    }

    expectFsckClean(dir);
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(sh(dir, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
    expect(sh(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(await snapshot(dir)).toEqual(before);
    expect(sh(dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(TASKS + 1);

    console.info(
      `concurrency: create ${tCreated - t0}ms, writers ready ${tReady - tCreated}ms, ` +
        `${TASKS}x${ATTEMPTS * (STEPS + 1)} commits ${tDone - tReady}ms, checks ${Date.now() - tDone}ms`,
    );
  }, 180_000);

  it('gives 12 distinct ids to 4 processes creating 3 tasks each at the same time', async () => {
    const dir = await makeRepo(MAIN_FILES);
    const repo = await openRepo(dir);
    const head = sh(dir, 'rev-parse', 'HEAD');
    const before = await snapshot(dir);

    const writers = [1, 2, 3, 4].map((p) => writer(['create', dir, '3', `proc ${p} task`, '--wait']));
    await Promise.all(writers.map((w) => w.waitFor((e) => e.event === 'ready')));
    for (const w of writers) w.go();
    const exits = await Promise.all(writers.map((w) => w.exited));
    for (const [i, w] of writers.entries()) {
      expect(exits[i], w.stderr()).toEqual({ code: 0, signal: null });
      expect(w.stderr()).toBe('');
    }
    const created = writers.flatMap((w) => w.events.flatMap((e) => (e.event === 'created' ? [e] : [])));
    expect(created.map((c) => c.id).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    expect(new Set(created.map((c) => c.branch)).size).toBe(12);
    expect(new Set(created.map((c) => c.worktree)).size).toBe(12);
    for (const c of created) {
      const rec = await readRecord(repo, c.id);
      expect(rec.branch).toBe(c.branch);
      expect(sh(dir, 'rev-parse', branchRef(c.branch))).toBe(head);
      expect(sh(c.worktree, 'rev-parse', 'HEAD')).toBe(head);
    }
    expect(sh(dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(13);

    // The CLI the same way: 4 `factory new` at once continue the sequence without a gap.
    const cli = await Promise.all([1, 2, 3, 4].map((n) => runCli(dir, ['new', `cli task ${n}`, '--json'])));
    for (const r of cli) expect(r.code, r.stderr).toBe(0);
    const cliIds = cli.map((r) => (JSON.parse(r.stdout) as { id: number }).id);
    expect(cliIds.sort((a, b) => a - b)).toEqual([13, 14, 15, 16]);

    expectFsckClean(dir);
    expect(sh(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(await snapshot(dir)).toEqual(before);
  }, 120_000);
});
