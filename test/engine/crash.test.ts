import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openRepo, type Repo } from '../../src/git/repo.js';
import { attemptRef, branchRef } from '../../src/git/refs.js';
import { createTask } from '../../src/tasks/create.js';
import { DEFAULT_WORKTREE_OPTIONS } from '../../src/tasks/options.js';
import { runLockFile } from '../../src/tasks/paths.js';
import { TaskWorkspace } from '../../src/tasks/workspace.js';
import type { TaskRecord } from '../../src/tasks/record.js';
import { attemptOutcome, startWriter, type Writer, type WriterEvent } from '../helpers/commit-writer.js';
import { cleanGitEnv as gitEnv, expectFsckClean, gitAll, snapshotFiles } from '../helpers/repo-checks.js';
import { cleanupTemps, makeRepo, sh, tempDir } from '../helpers/git-repo.js';
import { liveGroupMember } from '../helpers/live-group.js';

const RUNS = 20;

const MAIN_FILES = {
  'README.md': '# demo\n',
  'src/index.ts': 'export const answer = 42;\n',
  'lib/data.json': '{"a": 1}\n',
};

const started: Writer[] = [];
afterEach(() => {
  for (const w of started.splice(0)) {
    try {
      process.kill(-w.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});
afterAll(cleanupTemps);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const snapshot = (root: string) => snapshotFiles(root, Object.keys(MAIN_FILES));

async function waitGroupGone(pgid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (liveGroupMember(pgid)) {
    if (Date.now() > deadline) throw new Error(`process group ${pgid} still running`);
    await sleep(5);
  }
}

interface Locks {
  index: boolean;
  head: boolean;
  branch: boolean;
  attempt: boolean;
  tmpObjects: number;
}

/** The lock files a git process killed mid-command leaves behind. */
function leftoverLocks(repo: Repo, rec: TaskRecord, wtGitDir: string): Locks {
  const attempts = path.join(repo.commonDir, 'refs', 'factory', String(rec.id), 'attempts');
  const objects = path.join(repo.commonDir, 'objects');
  let tmpObjects = 0;
  for (const d of readdirSync(objects)) {
    if (d.startsWith('tmp_obj')) tmpObjects++;
    else if (/^[0-9a-f]{2}$/.test(d))
      tmpObjects += readdirSync(path.join(objects, d)).filter((f) => f.startsWith('tmp_obj')).length;
  }
  return {
    index: existsSync(path.join(wtGitDir, 'index.lock')),
    head: existsSync(path.join(wtGitDir, 'HEAD.lock')),
    branch: existsSync(path.join(repo.commonDir, `${branchRef(rec.branch)}.lock`)),
    attempt: existsSync(attempts) && readdirSync(attempts).some((f) => f.endsWith('.lock')),
    tmpObjects,
  };
}

function subjectOf(dir: string, commit: string): string {
  return sh(dir, 'log', '-1', '--format=%s', commit);
}

/** A whole commit: the object is a commit and its tree (and every blob in it) can be read. */
function expectCommitReadable(dir: string, commit: string, label: string): void {
  expect(sh(dir, 'cat-file', '-t', commit), label).toBe('commit');
  const ls = gitAll(dir, 'ls-tree', '-r', commit);
  expect(ls.code, label).toBe(0);
  const blobs = ls.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(/\s+/)[2]!);
  const check = spawnSync('git', ['cat-file', '--batch-check'], {
    cwd: dir,
    env: gitEnv(),
    input: `${blobs.join('\n')}\n`,
    encoding: 'utf8',
  });
  expect(check.stdout, label).not.toMatch(/missing/);
  expect(
    check.stdout.split('\n').filter((l) => / blob \d+$/.test(l)),
    label,
  ).toHaveLength(blobs.length);
}

/** strace with syscall fault injection, and permission to trace (some sandboxes forbid ptrace). */
function straceCanInject(): boolean {
  const r = spawnSync(
    'strace',
    [
      '-f',
      '-qq',
      '-o',
      '/dev/null',
      '-e',
      'trace=/^rename',
      '-e',
      'inject=/^rename:signal=SIGKILL:when=2',
      'true',
    ],
    { encoding: 'utf8' },
  );
  return r.status === 0;
}

describe('crash safety: kill -9 in the middle of step and attempt commits', () => {
  it('keeps the repository consistent and the task recoverable after 20 kills at different points', async () => {
    const t0 = Date.now();
    const dir = await makeRepo(MAIN_FILES);
    const repo = await openRepo(dir);
    const mainHead = sh(dir, 'rev-parse', 'HEAD');
    const before = await snapshot(dir);
    const { record } = await createTask(repo, DEFAULT_WORKTREE_OPTIONS, { title: 'crash me' });
    const id = record.id;
    const branch = branchRef(record.branch);
    const wtGitDir = sh(record.worktree, 'rev-parse', '--path-format=absolute', '--git-dir');

    let prevTip = record.base;
    /** Every commit a writer reported as made, across all runs, in order. */
    const reported: { sha: string; address: string; kind: 'step' | 'attempt' }[] = [];
    const log: string[] = [];
    let landedInFlight = 0;
    let lockRuns = 0;
    let tornTransactions = 0;
    let pendingRef: { ref: string; sha: string; label: string } | undefined;
    /** After a torn attempt transaction, the next open must have put the attempt ref back. */
    const expectRefRestored = () => {
      if (!pendingRef) return;
      const now = gitAll(dir, 'rev-parse', '--verify', '--quiet', pendingRef.ref).stdout;
      expect(now, `${pendingRef.label}; not restored by the next open`).toBe(pendingRef.sha);
      pendingRef = undefined;
    };

    for (let run = 0; run < RUNS; run++) {
      // Even runs die during a step commit, odd ones during an attempt commit; which one, and how
      // far into it, varies. Every fourth run kills only the node process, so the git command it
      // was running finishes (or dies of SIGPIPE) as an orphan; the others kill the whole group.
      const kind: 'step' | 'attempt' = run % 2 === 0 ? 'step' : 'attempt';
      const steps = 2 + (run % 5);
      const nth = kind === 'step' ? 1 + ((run * 7) % 17) : 1 + (run % 3);
      const delay = Math.floor(Math.random() * (kind === 'step' ? 30 : 45));
      const groupKill = run % 4 !== 3;
      const label = `run ${run} (${kind} #${nth} +${delay}ms, ${groupKill ? 'group' : 'node only'})`;

      const w = startWriter(
        ['commit', dir, String(id), '--attempts', '1000', '--steps', String(steps), '--from-next', '--wait'],
        { detached: true },
      );
      started.push(w);
      const ready = (await w.waitFor((e) => e.event === 'ready')) as Extract<WriterEvent, { event: 'ready' }>;
      // Opening after a killed owner took over its run lock and cleared the git locks it left.
      expect(ready.tip, label).toBe(prevTip);
      expectRefRestored();
      expect(JSON.parse(readFileSync(runLockFile(repo, id), 'utf8')).pid, label).toBe(w.pid);
      const locks = leftoverLocks(repo, record, wtGitDir);
      expect({ ...locks, tmpObjects: 0 }, label).toEqual({
        index: false,
        head: false,
        branch: false,
        attempt: false,
        tmpObjects: 0,
      });

      let seen = 0;
      w.onEvent((e) => {
        if (e.event === 'begin' && e.kind === kind && ++seen === nth)
          setTimeout(() => {
            try {
              if (groupKill) process.kill(-w.pid, 'SIGKILL');
              else process.kill(w.pid, 'SIGKILL');
            } catch {
              /* gone */
            }
          }, delay);
      });
      w.go();
      const exit = await w.exited;
      await waitGroupGone(w.pid);
      expect(w.stderr(), label).toBe('');
      expect(exit, label).toEqual({ code: null, signal: 'SIGKILL' });

      const left = leftoverLocks(repo, record, wtGitDir);
      if (left.index || left.head || left.branch || left.attempt) lockRuns++;

      // The user's tree is untouched.
      expect(sh(dir, 'status', '--porcelain', '--untracked-files=all'), label).toBe('');
      expect(await snapshot(dir), label).toEqual(before);
      expect(sh(dir, 'rev-parse', 'HEAD'), label).toBe(mainHead);
      expectFsckClean(dir, label);

      // The branch is at the last commit the writer reported, or at the one it was making.
      const committed = w.events.flatMap((e) => (e.event === 'committed' ? [e] : []));
      const begun = w.events.flatMap((e) => (e.event === 'begin' ? [e] : []));
      const last = committed.at(-1)?.sha ?? prevTip;
      const inFlight = begun.length > committed.length ? begun.at(-1) : undefined;
      const tip = sh(dir, 'rev-parse', '--verify', branch);
      expectCommitReadable(dir, tip, label);
      if (tip !== last) {
        expect(
          inFlight,
          `${label}: tip ${tip} is neither the last reported commit nor one in flight`,
        ).toBeDefined();
        expect(inFlight!.parent, label).toBe(last);
        expect(sh(dir, 'rev-parse', `${tip}^`), label).toBe(last);
        expect(subjectOf(dir, tip), label).toBe(inFlight!.subject);
        landedInFlight++;
      }
      const onBranch = new Set(sh(dir, 'rev-list', '--first-parent', `${record.base}..${tip}`).split('\n'));
      for (const c of committed) {
        reported.push(c);
        expect(onBranch.has(c.sha), `${label}: ${c.address} ${c.sha} is not on the branch`).toBe(true);
        if (c.kind === 'attempt')
          expect(sh(dir, 'rev-parse', attemptRef(id, Number(c.address.split('.')[1]))), label).toBe(c.sha);
      }
      // Nothing reported is lost: the branch only grew.
      expect(onBranch.has(last) || last === record.base, label).toBe(true);
      // Every attempt ref names a whole commit on the branch, and an attempt commit on the branch has its ref.
      const refs = sh(
        dir,
        'for-each-ref',
        '--format=%(refname) %(objectname)',
        `refs/factory/${id}/attempts/`,
      );
      for (const line of refs.split('\n').filter(Boolean))
        expect(onBranch.has(line.split(' ')[1]!), `${label}: ${line} is not on the branch`).toBe(true);
      if (tip !== last && inFlight?.kind === 'attempt') {
        // The attempt commit landed. Its ref moves in the same ref transaction, but git's files
        // backend renames the lock files one by one: a kill between them leaves the ref behind,
        // and opening the task again must restore it.
        const ref = attemptRef(id, Number(inFlight.address.split('.')[1]));
        const now = gitAll(dir, 'rev-parse', '--verify', '--quiet', ref).stdout;
        if (now === '') {
          tornTransactions++;
          pendingRef = {
            ref,
            sha: tip,
            label: `${label}: ${ref} missing after the kill (left ${JSON.stringify(left)})`,
          };
        } else expect(now, label).toBe(tip);
      }

      log.push(
        `${label}: ${committed.length} committed, tip ${tip === last ? 'last reported' : 'in-flight commit'}, ` +
          `left ${JSON.stringify(left)}`,
      );
      prevTip = tip;
    }

    // Recovery in this process: open after the last kill, then a step and an attempt commit.
    const ws = await TaskWorkspace.open(repo, id, DEFAULT_WORKTREE_OPTIONS);
    try {
      expect(ws.branch.tip).toBe(prevTip);
      expectRefRestored();
      expect({ ...leftoverLocks(repo, record, wtGitDir), tmpObjects: 0 }).toEqual({
        index: false,
        head: false,
        branch: false,
        attempt: false,
        tmpObjects: 0,
      });
      const n = await ws.nextAttempt();
      await mkdir(path.join(ws.worktree, 'work'), { recursive: true });
      await writeFile(path.join(ws.worktree, 'work', 'recovered.txt'), 'recovered\n');
      const step = await ws.commitStep({
        attempt: n,
        step: 1,
        tool: 'write_file',
        paths: ['work/recovered.txt'],
      });
      expect(step).toMatch(/^[0-9a-f]{40}$/);
      const { commit } = await ws.commitAttempt({ attempt: n, ...attemptOutcome(id, n) });
      expect(sh(dir, 'rev-parse', branch)).toBe(commit);
      expect(sh(dir, 'rev-parse', attemptRef(id, n))).toBe(commit);
      expect(sh(dir, 'rev-parse', `${commit}^`)).toBe(step);
      expect(sh(dir, 'show', `${commit}:work/recovered.txt`)).toBe('recovered');
      // The worktree now matches the branch: whatever a killed writer left half-done is committed.
      expect(sh(ws.worktree, 'status', '--porcelain', '--untracked-files=all')).toBe('');

      const history = await ws.history();
      expect(history.foreign).toEqual([]);
      const steps = new Set(history.attempts.flatMap((a) => a.steps.map((s) => s.commit)));
      for (const c of reported) {
        if (c.kind === 'step') expect(steps.has(c.sha), c.address).toBe(true);
        else {
          const a = history.attempts.find((x) => `${id}.${x.n}` === c.address);
          expect(a?.commit, c.address).toBe(c.sha);
          expect(a?.onBranch).toBe(true);
          expect(a?.verdict).toBe(attemptOutcome(id, a!.n).verdict);
        }
      }
      const lastAttempt = history.attempts.at(-1)!;
      expect(lastAttempt.n).toBe(n);
      expect(lastAttempt.commit).toBe(commit);
      expect(lastAttempt.steps.map((s) => s.commit)).toEqual([step]);
      expect(history.attempts.every((a) => a.onBranch)).toBe(true);
    } finally {
      await ws.close();
    }

    expectFsckClean(dir, 'after recovery');
    expect(sh(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(await snapshot(dir)).toEqual(before);
    console.info(
      `crash: ${RUNS} kills in ${Date.now() - t0}ms; ${reported.length} commits reported, ` +
        `${landedInFlight} kills landed after an in-flight commit was written, ` +
        `${lockRuns} left git lock files, ${tornTransactions} tore an attempt's ref transaction\n  ${log.join('\n  ')}`,
    );
    // 20 killed writers, each with dozens of git processes: generous, for a loaded machine (a guard, not a clock).
  }, 480_000);

  it('recovers after the owner is killed while git holds the locks of a step commit', async () => {
    const dir = await makeRepo(MAIN_FILES);
    const repo = await openRepo(dir);
    const before = await snapshot(dir);
    const { record } = await createTask(repo, DEFAULT_WORKTREE_OPTIONS, { title: 'held lock' });
    const wtGitDir = sh(record.worktree, 'rev-parse', '--path-format=absolute', '--git-dir');

    // The killed owner was inside `update-ref` of a step commit: between taking the ref locks
    // and committing them. That is a window of a millisecond or so in real runs; here git is
    // held there by a prepared `update-ref --stdin` transaction, then the whole group is killed.
    const w = startWriter(['hold-ref-lock', dir, String(record.id)], { detached: true });
    started.push(w);
    const locked = (await w.waitFor((e) => e.event === 'locked')) as Extract<
      WriterEvent,
      { event: 'locked' }
    >;
    // git holds the branch's lock and, because the branch is checked out there, the worktree's
    // HEAD.lock (for the HEAD reflog); both stay behind when git is killed.
    const held = leftoverLocks(repo, record, wtGitDir);
    expect(held.branch).toBe(true);
    expect(held.head).toBe(true);
    process.kill(-w.pid, 'SIGKILL');
    await w.exited;
    await waitGroupGone(w.pid);

    expect(sh(dir, 'rev-parse', branchRef(record.branch))).toBe(locked.tip);
    expectFsckClean(dir, 'after kill');
    expect(sh(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(await snapshot(dir)).toEqual(before);

    const ws = await TaskWorkspace.open(repo, record.id, DEFAULT_WORKTREE_OPTIONS);
    try {
      expect({ ...leftoverLocks(repo, record, wtGitDir), tmpObjects: 0 }).toEqual({
        index: false,
        head: false,
        branch: false,
        attempt: false,
        tmpObjects: 0,
      });
      await writeFile(path.join(ws.worktree, 'after.txt'), 'after the crash\n');
      const step = await ws.commitStep({ attempt: 1, step: 1, tool: 'write_file', paths: ['after.txt'] });
      expect(step).toMatch(/^[0-9a-f]{40}$/);
      const { commit } = await ws.commitAttempt({ attempt: 1, ...attemptOutcome(record.id, 1) });
      expect(sh(dir, 'rev-parse', branchRef(record.branch))).toBe(commit);
      expect(sh(dir, 'rev-parse', attemptRef(record.id, 1))).toBe(commit);
    } finally {
      await ws.close();
    }
    expectFsckClean(dir, 'after recovery');
  }, 60_000);

  it.skipIf(!straceCanInject())(
    'keeps the attempt ref when killed between the two ref renames of an attempt commit',
    async () => {
      const dir = await makeRepo(MAIN_FILES);
      const repo = await openRepo(dir);
      const before = await snapshot(dir);
      const { record } = await createTask(repo, DEFAULT_WORKTREE_OPTIONS, { title: 'torn transaction' });
      const branch = branchRef(record.branch);

      // The attempt commit's `update-ref --stdin` renames the branch lock into place, then the
      // attempt ref's lock: git runs under strace, which SIGKILLs it at the second rename, and the
      // wrapper then kills the whole writer. That is a real kill -9 at the worst moment there is.
      const realGit = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
      const bin = await tempDir('factory-bin-');
      await writeFile(
        path.join(bin, 'git'),
        [
          '#!/bin/sh',
          'case " $* " in',
          '  *" update-ref "*" --stdin "*)',
          `    strace -f -qq -o /dev/null -e trace=/^rename -e inject=/^rename:signal=SIGKILL:when=2 '${realGit}' "$@"`,
          '    kill -9 0 ;;',
          'esac',
          `exec '${realGit}' "$@"`,
          '',
        ].join('\n'),
      );
      await chmod(path.join(bin, 'git'), 0o755);
      const w = startWriter(['commit', dir, String(record.id), '--attempts', '1', '--steps', '2'], {
        detached: true,
        env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
      });
      started.push(w);
      const exit = await w.exited;
      await waitGroupGone(w.pid);
      expect(exit.signal, w.stderr()).toBe('SIGKILL');
      const inFlight = w.events.at(-1);
      expect(inFlight).toMatchObject({ event: 'begin', kind: 'attempt', address: `${record.id}.1` });

      // The branch moved to the attempt commit; the attempt ref did not make it.
      const tip = sh(dir, 'rev-parse', branch);
      expectCommitReadable(dir, tip, 'tip');
      expect(subjectOf(dir, tip)).toBe((inFlight as Extract<WriterEvent, { event: 'begin' }>).subject);
      expectFsckClean(dir, 'after kill');
      expect(sh(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
      expect(await snapshot(dir)).toEqual(before);

      const ws = await TaskWorkspace.open(repo, record.id, DEFAULT_WORKTREE_OPTIONS);
      try {
        // The design: the branch and refs/factory/<id>/attempts/<n> move together.
        expect(gitAll(dir, 'rev-parse', '--verify', '--quiet', attemptRef(record.id, 1)).stdout).toBe(tip);
        const history = await ws.history();
        expect(history.attempts.map((a) => [a.n, a.commit, a.steps.length])).toEqual([[1, tip, 2]]);
        const n = await ws.nextAttempt();
        expect(n).toBe(2);
        await writeFile(path.join(ws.worktree, 'after.txt'), 'after the crash\n');
        expect(
          await ws.commitStep({ attempt: n, step: 1, tool: 'write_file', paths: ['after.txt'] }),
        ).toMatch(/^[0-9a-f]{40}$/);
        const { commit } = await ws.commitAttempt({ attempt: n, ...attemptOutcome(record.id, n) });
        expect(sh(dir, 'rev-parse', attemptRef(record.id, n))).toBe(commit);
      } finally {
        await ws.close();
      }
      expectFsckClean(dir, 'after recovery');
    },
    60_000,
  );
});
