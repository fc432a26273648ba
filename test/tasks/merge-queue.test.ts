/**
 * The merge queue (`factory merge 3 4 5`): trial merges, the check on each merged tree in a pooled
 * scratch worktree, tasks left out with the reason, one move of the main branch at the end. Real
 * git in temp repos, real check processes (in the OS sandbox where the machine has one).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { mergeQueue, type QueueOptions } from '../../src/tasks/merge-queue.js';
import { mergePlan } from '../../src/tasks/plan-merge.js';
import { pendingLeftOut, leftOutFeedback } from '../../src/tasks/left-out.js';
import { readEvents, readRecord, writeRecord } from '../../src/tasks/record.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config/schema.js';
import { cleanupTemps, makeRepo, runCli, sh, writeFiles } from '../helpers/git-repo.js';
import { taskWithAttempts, W } from '../helpers/engine.js';
import { openRepo } from '../../src/git/repo.js';
import { pruneTasks } from '../../src/tasks/prune.js';
import { fateLine, queueSummary } from '../../src/cli/merge-queue-view.js';
import { TaskWorkspace } from '../../src/tasks/workspace.js';

afterAll(cleanupTemps);

/** Every name called in calls/ must be defined in defs.txt. */
const CHECK_SH = [
  'for f in calls/*.txt; do',
  '  while read -r n; do',
  '    grep -qx "def $n" defs.txt || { echo "$f calls $n, which is not defined"; exit 1; }',
  '  done < "$f"',
  'done',
  'echo ok',
  '',
].join('\n');

const BASE = {
  'defs.txt': 'def load\n',
  'calls/main.txt': 'load\n',
  'check.sh': CHECK_SH,
  'README.md': 'r\n',
};

const config = (check: string | null = 'sh check.sh'): Config => ({
  ...DEFAULT_CONFIG,
  check,
  sandbox: { ...DEFAULT_CONFIG.sandbox, mode: existsSync('/usr/bin/bwrap') ? 'auto' : 'none' },
});
const q = (over: Partial<QueueOptions> = {}): QueueOptions => ({ config: config(), ...over });
const passing = (files: Record<string, string>) => [{ files, exit: 0 }];
const checkPasses = (dir: string) => execFileSync('sh', ['check.sh'], { cwd: dir, encoding: 'utf8' }).trim();

/** Task 1 of the plan cases: renames load to read, with its caller. */
const RENAME: [string, Record<string, string>] = [
  'rename',
  { 'defs.txt': 'def read\n', 'calls/main.txt': 'read\n' },
];

/** A plan parent with no attempts whose children, in this order, are tasks with one passing attempt. */
async function planOf(dir: string, children: [string, Record<string, string>][]) {
  const parent = await taskWithAttempts(dir, 'the plan', []);
  const ids: number[] = [];
  for (const [title, files] of children) ids.push((await taskWithAttempts(dir, title, passing(files))).id);
  const repo = await openRepo(dir);
  await writeRecord(repo, { ...(await readRecord(repo, parent.id)), children: ids });
  return { repo, parent, ids };
}

/** The rename case: task 1 renames load to read (and its caller); task 2 adds a call to load. */
async function renameAndCall() {
  const dir = await makeRepo(BASE);
  const a = await taskWithAttempts(dir, 'Rename load to read', passing(RENAME[1]));
  const b = await taskWithAttempts(dir, 'Call load from the pager', passing({ 'calls/pager.txt': 'load\n' }));
  return { dir, repo: a.repo, a: a.id, b: b.id };
}

describe('merge queue', () => {
  it('lands the first of two tasks that fail together, leaves the second out with the check output', async () => {
    const { dir, repo, a, b } = await renameAndCall();
    // Each passes on its own.
    for (const id of [a, b]) {
      const rec = await readRecord(repo, id);
      expect(checkPasses(rec.worktree)).toBe('ok');
    }
    const head = sh(dir, 'rev-parse', 'HEAD');
    const r = await mergeQueue(repo, W, [a, b], q());
    expect(r.order).toEqual([a, b]);
    expect(r.tasks[0]).toMatchObject({ task: a, fate: 'landed', files: ['calls/main.txt', 'defs.txt'] });
    expect(r.tasks[1]).toMatchObject({ task: b, fate: 'left-out', reason: 'check', exitCode: 1 });
    expect(r.tasks[1]!.fate === 'left-out' && r.tasks[1]!.reason === 'check' && r.tasks[1]!.tail).toContain(
      'calls/pager.txt calls load, which is not defined',
    );
    // The CLI's text: one line per task, then where the branch went and how to send task 2 back.
    expect(fateLine(r.tasks[0]!)).toMatch(
      new RegExp(`^landed +task ${a} \\(Rename load to read\\) as [0-9a-f]{10}, 2 files$`),
    );
    expect(fateLine(r.tasks[1]!)).toBe(
      `left out task ${b} (Call load from the pager): check \`sh check.sh\` failed (exit 1) on the merged tree: calls/pager.txt calls load, which is not defined`,
    );
    expect(queueSummary(r)).toContain(
      `merged 1 of 2 tasks into main: ${head.slice(0, 10)} -> ${r.tip.slice(0, 10)} (squash)`,
    );
    expect(queueSummary(r)).toContain(`left out: ${b}; their branches are kept`);
    // The branch moved once, onto one squash commit, and it passes the check.
    expect(sh(dir, 'rev-parse', 'HEAD^')).toBe(head);
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(r.tip);
    expect(sh(dir, 'log', '-1', '--format=%s')).toBe(`Rename load to read (factory task ${a})`);
    expect(checkPasses(dir)).toBe('ok');
    expect(sh(dir, 'status', '--porcelain')).toBe('');
    // Task 1 is merged like a single merge; task 2 keeps its branch and says why it was left out.
    const list = JSON.parse((await runCli(dir, ['list', '--json'])).stdout) as {
      id: number;
      status: string;
    }[];
    expect(list.find((t) => t.id === a)!.status).toBe('merged');
    expect(list.find((t) => t.id === b)!.status).not.toBe('merged');
    expect(sh(dir, 'rev-parse', '--verify', '-q', 'factory/2-call-load-from-the-pager')).not.toBe('');
    const events = await readEvents(repo, b);
    expect(events.at(-1)).toMatchObject({ type: 'left-out', reason: 'check', onto: r.tip });
    const feedback = pendingLeftOut(events)!;
    expect(feedback).toContain('the check `sh check.sh` failed (exit 1)');
    expect(feedback).toContain('calls/pager.txt calls load, which is not defined');
    // The scratch worktree went back to the pool; no journal is left.
    const wts = readdirSync(path.join(dir, '.git/factory/worktrees'));
    expect(wts.filter((n) => n.startsWith('queue-'))).toEqual([]);
    expect(wts.filter((n) => n.startsWith('pool-')).length).toBeGreaterThan(0);
    expect(readdirSync(path.join(dir, '.git/factory/journal'))).toEqual([]);
  });

  it('checks each merged tree clean, and merges the next task onto the last passing tip, not the failed one', async () => {
    // The check fails on anything the last check left (an untracked file and folder, a changed
    // tracked file), fails whenever two.txt is there, and leaves all of that behind itself.
    const probe = [
      'test ! -e leftover || { echo "leftover file"; exit 1; }',
      'test ! -e build || { echo "leftover folder"; exit 1; }',
      'test "$(cat README.md)" = r || { echo "README.md changed"; exit 1; }',
      'echo junk > leftover; mkdir build; echo b > build/out; echo changed > README.md',
      'test ! -e two.txt || { echo "two.txt is not wanted"; exit 1; }',
      'echo ok',
      '',
    ].join('\n');
    const dir = await makeRepo({ ...BASE, 'probe.sh': probe });
    const one = await taskWithAttempts(dir, 'one', passing({ 'one.txt': '1\n' }));
    const two = await taskWithAttempts(dir, 'two', passing({ 'two.txt': '2\n' }));
    const three = await taskWithAttempts(dir, 'three', passing({ 'three.txt': '3\n' }));
    const head = sh(dir, 'rev-parse', 'HEAD');
    const r = await mergeQueue(one.repo, W, [one.id, two.id, three.id], q({ config: config('sh probe.sh') }));
    expect(r.tasks.map((t) => [t.task, t.fate])).toEqual([
      [one.id, 'landed'],
      [two.id, 'left-out'],
      [three.id, 'landed'],
    ]);
    const left = r.tasks[1]!;
    expect(left.fate === 'left-out' && left.reason === 'check' && left.tail).toContain(
      'two.txt is not wanted',
    );
    // Task three's commit sits on task one's: two's merged commit, made first, went nowhere.
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(r.tip);
    expect(sh(dir, 'rev-parse', 'HEAD~2')).toBe(head);
    expect(sh(dir, 'log', '--format=%s', `${head}..HEAD`).split('\n')).toEqual([
      `three (factory task ${three.id})`,
      `one (factory task ${one.id})`,
    ]);
    expect(r.tasks[2]).toMatchObject({ files: ['three.txt'] });
    expect(sh(dir, 'ls-files', 'one.txt', 'two.txt', 'three.txt').split('\n')).toEqual([
      'one.txt',
      'three.txt',
    ]);
    expect(sh(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('puts the least conflicting first and leaves a conflicting task out with its files', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' });
    // Task 1 conflicts with 2 and with 3; 2 and 3 touch different files.
    const t1 = await taskWithAttempts(dir, 'one', passing({ 'a.txt': 'one\n', 'b.txt': 'one\n' }));
    const t2 = await taskWithAttempts(dir, 'two', passing({ 'a.txt': 'two\n' }));
    const t3 = await taskWithAttempts(dir, 'three', passing({ 'b.txt': 'three\n' }));
    const r = await mergeQueue(t1.repo, W, [t1.id, t2.id, t3.id], q({ config: config('true') }));
    expect(r.ordering).toBe('least-conflicting');
    expect(r.predicted).toEqual({ '1:2': ['a.txt'], '1:3': ['b.txt'] });
    expect(r.order).toEqual([t2.id, t3.id, t1.id]);
    expect(r.tasks.map((f) => [f.task, f.fate])).toEqual([
      [t2.id, 'landed'],
      [t3.id, 'landed'],
      [t1.id, 'left-out'],
    ]);
    expect(r.tasks[2]).toMatchObject({ reason: 'conflict', files: ['a.txt', 'b.txt'] });
    expect(sh(dir, 'log', '--format=%s', '-3')).toBe(
      ['three (factory task 3)', 'two (factory task 2)', 'initial'].join('\n'),
    );
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('two\n');
    expect(leftOutFeedback({ reason: 'conflict', files: ['a.txt'] })).toContain('conflicted in a.txt');
  });

  it('puts a task that conflicts with the moved base after one that does not', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const t1 = await taskWithAttempts(dir, 'one', passing({ 'a.txt': 'one\n' }));
    const t2 = await taskWithAttempts(dir, 'two', passing({ 'b.txt': 'two\n' }));
    // The base moves on after both started: task 1 now conflicts with it, task 2 does not.
    await writeFiles(dir, { 'a.txt': 'main\n' });
    sh(dir, 'commit', '-qam', 'main moves');
    const r = await mergeQueue(t1.repo, W, [t1.id, t2.id], q({ config: config('true') }));
    expect(r.predicted).toEqual({});
    expect(r.order).toEqual([t2.id, t1.id]);
    expect(r.tasks.map((f) => [f.task, f.fate])).toEqual([
      [t2.id, 'landed'],
      [t1.id, 'left-out'],
    ]);
  });

  it('makes merge commits with --merge, and lands nothing when every task is left out', async () => {
    const dir = await makeRepo(BASE);
    const t1 = await taskWithAttempts(dir, 'ok', passing({ 'calls/x.txt': 'load\n' }));
    const t2 = await taskWithAttempts(dir, 'broken', passing({ 'calls/y.txt': 'nothing\n' }));
    const head = sh(dir, 'rev-parse', 'HEAD');
    const none = await mergeQueue(t1.repo, W, [t2.id], q());
    expect(none.tasks[0]).toMatchObject({ fate: 'left-out', reason: 'check' });
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(head);
    const r = await mergeQueue(t1.repo, W, [t1.id], q({ mode: 'merge' }));
    expect(r.tasks[0]).toMatchObject({ fate: 'landed' });
    expect(sh(dir, 'rev-parse', 'HEAD^1')).toBe(head);
    expect(sh(dir, 'rev-parse', 'HEAD^2')).toBe(sh(dir, 'rev-parse', 'factory/1-ok'));
  });

  it('refuses before anything changes: a dirty file a task touched, a task that did not pass', async () => {
    const { dir, repo, a, b } = await renameAndCall();
    const head = sh(dir, 'rev-parse', 'HEAD');
    await writeFiles(dir, { 'defs.txt': 'my own work\n' });
    await expect(mergeQueue(repo, W, [a, b], q())).rejects.toThrow(
      `uncommitted changes to files task ${a} touched: defs.txt`,
    );
    expect(readFileSync(path.join(dir, 'defs.txt'), 'utf8')).toBe('my own work\n');
    sh(dir, 'checkout', '--', 'defs.txt');
    const failed = await taskWithAttempts(dir, 'failing', [{ files: { 'x.txt': 'x\n' }, exit: 1 }]);
    await expect(mergeQueue(repo, W, [a, failed.id], q())).rejects.toThrow(
      'merge only takes a passing attempt',
    );
    // A task whose branch someone deleted by hand.
    const gone = await taskWithAttempts(dir, 'gone', passing({ 'y.txt': 'y\n' }));
    const branch = (await readRecord(repo, gone.id)).branch;
    sh(gone.worktree, 'checkout', '-q', '--detach');
    sh(dir, 'branch', '-q', '-D', branch);
    await expect(mergeQueue(repo, W, [a, gone.id], q())).rejects.toThrow(
      `task ${gone.id} has no branch any more (${branch})`,
    );
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(
      readdirSync(path.join(dir, '.git/factory/worktrees')).filter((n) => n.startsWith('queue-')),
    ).toEqual([]);
    expect(
      existsSync(path.join(dir, '.git/factory/journal'))
        ? readdirSync(path.join(dir, '.git/factory/journal'))
        : [],
    ).toEqual([]);
  });

  it('refuses to land over what the user did to the main tree while the checks ran, and keeps it', async () => {
    // Each is done by the check itself (unsandboxed), so it happens after the queue's start.
    const cases: [string, string, string][] = [
      ['an edit', `printf 'mine\\n' > defs.txt`, 'uncommitted changes to files the tasks touched: defs.txt'],
      [
        'a staged edit',
        `printf 'mine\\n' > defs.txt && git add defs.txt`,
        'files the tasks touched: defs.txt',
      ],
      ['a deletion', 'rm defs.txt', 'uncommitted changes to files the tasks touched: defs.txt'],
      [
        'an ignored file where a task adds one',
        `printf 'mine\\n' > new.txt && echo new.txt >> .git/info/exclude`,
        'would overwrite files in the main tree that git does not track (untracked or ignored): new.txt',
      ],
    ];
    for (const [what, act, refusal] of cases) {
      const dir = await makeRepo(BASE);
      const a = await taskWithAttempts(dir, 'one', passing({ 'defs.txt': 'def load\ndef read\n' }));
      const b = await taskWithAttempts(dir, 'two', passing({ 'new.txt': 'new\n' }));
      const head = sh(dir, 'rev-parse', 'HEAD');
      const before = sh(dir, 'status', '--porcelain', '--ignored');
      const acting: Config = {
        ...DEFAULT_CONFIG,
        check: `(cd '${dir}' && ${act})`,
        sandbox: { ...DEFAULT_CONFIG.sandbox, mode: 'none' },
      };
      await expect(mergeQueue(a.repo, W, [a.id, b.id], { config: acting }), what).rejects.toThrow(refusal);
      expect(sh(dir, 'rev-parse', 'HEAD'), what).toBe(head);
      // What the user did is still there, and nothing else changed.
      const after = sh(dir, 'status', '--porcelain', '--ignored');
      expect(after, what).not.toBe(before);
      if (what !== 'a deletion')
        expect(
          readFileSync(path.join(dir, what.startsWith('an ignored') ? 'new.txt' : 'defs.txt'), 'utf8'),
        ).toBe('mine\n');
      else expect(existsSync(path.join(dir, 'defs.txt'))).toBe(false);
      expect(readdirSync(path.join(dir, '.git/factory/journal')), what).toEqual([]);
    }
  });

  it('refuses a task whose worktree has hand edits before any check runs; with force, saves them and lands', async () => {
    const dir = await makeRepo(BASE);
    const a = await taskWithAttempts(dir, 'one', passing({ 'one.txt': '1\n' }));
    const b = await taskWithAttempts(dir, 'two', passing({ 'two.txt': '2\n' }));
    await writeFiles(b.worktree, { 'two.txt': 'edited by hand\n', 'notes.txt': 'mine\n' });
    const head = sh(dir, 'rev-parse', 'HEAD');
    const ran = path.join(await makeRepo(), 'ran');
    // Unsandboxed, so the check can say it ran outside the worktree.
    const marking: Config = {
      ...DEFAULT_CONFIG,
      check: `echo ran >> ${ran}`,
      sandbox: { ...DEFAULT_CONFIG.sandbox, mode: 'none' },
    };
    await expect(mergeQueue(a.repo, W, [a.id, b.id], { config: marking })).rejects.toThrow(
      `the worktree of task ${b.id} has changes that are not committed, which merge would delete: two.txt, notes.txt`,
    );
    expect(existsSync(ran)).toBe(false);
    expect(sh(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(
      readdirSync(path.join(dir, '.git/factory/worktrees')).filter((n) => n.startsWith('queue-')),
    ).toEqual([]);
    expect(readdirSync(path.join(dir, '.git/factory/journal'))).toEqual([]);
    expect(readFileSync(path.join(b.worktree, 'notes.txt'), 'utf8')).toBe('mine\n');

    const r = await mergeQueue(a.repo, W, [a.id, b.id], { config: marking, force: true });
    expect(r.tasks.map((t) => t.fate)).toEqual(['landed', 'landed']);
    expect(r.saved).toHaveLength(1);
    expect(r.saved[0]!.files).toEqual(['two.txt', 'notes.txt']);
    expect(sh(dir, 'show', `${r.saved[0]!.ref}:notes.txt`)).toBe('mine');
    // What landed is the task's commit, not the hand edit.
    expect(readFileSync(path.join(dir, 'two.txt'), 'utf8')).toBe('2\n');
  });

  it("commits as the user's identity, and as factory's when git has none to give", async () => {
    const dir = await makeRepo(BASE);
    const one = await taskWithAttempts(dir, 'one', passing({ 'one.txt': '1\n' }));
    await mergeQueue(one.repo, W, [one.id], q({ config: config('true') }));
    expect(sh(dir, 'log', '-1', '--format=%an <%ae>')).toBe('Test User <test@example.com>');
    // An identity git cannot use (an empty name here overrides any global one).
    sh(dir, 'config', 'user.name', '');
    const two = await taskWithAttempts(dir, 'two', passing({ 'two.txt': '2\n' }));
    const r = await mergeQueue(one.repo, W, [two.id], q({ config: config('true') }));
    expect(r.tasks[0]).toMatchObject({ fate: 'landed' });
    expect(sh(dir, 'log', '-1', '--format=%an <%ae>')).toBe('factory <factory@localhost>');
  });

  it('factory prune leaves the scratch worktree of a running queue alone', async () => {
    const dir = await makeRepo(BASE);
    const repo = await openRepo(dir);
    const scratch = path.join(dir, '.git/factory/worktrees/queue-7');
    sh(dir, 'worktree', 'add', '-q', '--detach', scratch, 'HEAD');
    const other = path.join(dir, '.git/factory/worktrees/stray');
    sh(dir, 'worktree', 'add', '-q', '--detach', other, 'HEAD');
    const items = await pruneTasks(repo, W, true);
    expect(items.map((i) => i.path)).toEqual([other]);
  });

  it('merges a plan parent as its children in plan order, one squash commit each', async () => {
    const dir = await makeRepo(BASE);
    const parent = await taskWithAttempts(dir, 'the plan', []);
    const c1 = await taskWithAttempts(dir, 'child one', passing({ 'one.txt': '1\n' }));
    const c2 = await taskWithAttempts(dir, 'child two', passing({ 'two.txt': '2\n' }));
    const c3 = await taskWithAttempts(dir, 'child three', passing({ 'three.txt': '3\n' }));
    const repo = await openRepo(dir);
    const rec = await readRecord(repo, parent.id);
    // Plan order differs from id order.
    await writeRecord(repo, { ...rec, children: [c3.id, c1.id, c2.id] });
    const merged = await mergePlan(repo, W, parent.id, q(), async () => 'unexpected', 5);
    expect(merged.rounds).toHaveLength(1);
    expect(merged.rounds[0]!.ordering).toBe('plan');
    expect(merged.rounds[0]!.order).toEqual([c3.id, c1.id, c2.id]);
    expect(sh(dir, 'log', '--format=%s', '-4')).toBe(
      [
        'child two (factory task 3)',
        'child one (factory task 2)',
        'child three (factory task 4)',
        'initial',
      ].join('\n'),
    );
    expect(checkPasses(dir)).toBe('ok');
  });

  it('sends a plan child that was left out back, and queues it again once it passes', async () => {
    const dir = await makeRepo(BASE);
    const { repo, parent, ids } = await planOf(dir, [RENAME, ['call', { 'calls/pager.txt': 'load\n' }]]);
    const [c1, c2] = ids as [number, number];
    const told: string[] = [];
    // The resend plays what `resume --rebase` does: a new passing attempt that fixes the child.
    const merged = await mergePlan(
      repo,
      W,
      parent.id,
      q(),
      async (task, feedback) => {
        told.push(feedback);
        const ws = await TaskWorkspace.open(repo, task, W);
        try {
          const n = await ws.nextAttempt();
          await writeFiles(ws.worktree, { 'calls/pager.txt': 'read\n' });
          await ws.commitStep({ attempt: n, step: 1, tool: 'write_file', paths: ['calls/pager.txt'] });
          await ws.commitAttempt({
            attempt: n,
            checkExit: 0,
            verdict: 'PASS',
            durationMs: 1,
            outcome: 'passed',
          });
        } finally {
          await ws.close();
        }
        return 'passed';
      },
      2,
    );
    expect(told).toHaveLength(1);
    expect(told[0]).toContain('calls/pager.txt calls load, which is not defined');
    expect(merged.resent).toEqual([{ task: c2, outcome: 'passed' }]);
    expect(merged.rounds.map((r) => r.tasks.map((f) => [f.task, f.fate]))).toEqual([
      [
        [c1, 'landed'],
        [c2, 'left-out'],
      ],
      [[c2, 'landed']],
    ]);
    expect(sh(dir, 'log', '--format=%s', '-3')).toBe(
      ['call (factory task 3)', 'rename (factory task 2)', 'initial'].join('\n'),
    );
    expect(checkPasses(dir)).toBe('ok');
  });

  it("sends a plan's children back at most maxResends times in all, across its children", async () => {
    const dir = await makeRepo(BASE);
    const { repo, parent, ids } = await planOf(dir, [
      RENAME,
      ['call a', { 'calls/a.txt': 'load\n' }],
      ['call b', { 'calls/b.txt': 'load\n' }],
    ]);
    const [, c2] = ids as [number, number, number];
    const sent: number[] = [];
    const merged = await mergePlan(
      repo,
      W,
      parent.id,
      q(),
      async (task) => {
        sent.push(task);
        return 'failed';
      },
      1,
    );
    expect(merged.rounds[0]!.tasks.map((f) => f.fate)).toEqual(['landed', 'left-out', 'left-out']);
    expect(sent).toEqual([c2]);
    expect(merged.resent).toEqual([{ task: c2, outcome: 'failed' }]);
  });
});
