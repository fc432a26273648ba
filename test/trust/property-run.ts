/**
 * Plays one drawn sequence (property-ops.ts) against a fresh copy of the template repository and
 * checks factory's main promise after every operation:
 *
 * - the user's main tree (every file, ignored ones too, content and mode), index, HEAD and stash
 *   are exactly as the user left them, or as the user asked (a merge changes HEAD, and the files
 *   and index entries its result changes: nothing else); a refusal changes nothing;
 * - a hand edit in a task worktree is never lost: it is still in the worktree, or reachable from
 *   a ref (an attempt commit took it in, or it was saved under refs/factory/<id>/...), until the
 *   user discarded the task and pruned;
 * - after a kill -9 the next factory command recovers: the state is then the one before or the
 *   one after the killed command, and no git lock is left in the user's repository;
 * - at the end: `git fsck --strict` is clean, no ignored secret is in any commit, no task claims
 *   to be running, and nothing outside the repository changed (a sibling folder, and the folder
 *   that holds worktree.dir).
 */
import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { FactoryError } from '../../src/errors.js';
import { tempFolder } from '../helpers/tmp.js';
import { openRepo, type Repo } from '../../src/git/repo.js';
import { DEFAULT_WORKTREE_OPTIONS, type WorktreeOptions } from '../../src/tasks/options.js';
import { readEvents, readRecord, taskIds } from '../../src/tasks/record.js';
import { taskStatus } from '../../src/tasks/status.js';
import { describeOp, runFactoryOp, type FactoryOp, type Op, type SequencePlan } from './property-ops.js';
import { blobSha, readCommit, readObject, readRef, readTree, tgit, type TreeEntry } from './property-git.js';
import {
  compareMain,
  describeState,
  snapshotMain,
  treeFileValue,
  treeIndexValue,
  walkFiles,
  type Expected,
  type MainState,
} from './property-state.js';
import { liveGroupMember } from '../helpers/live-group.js';

/** Files of the template repository; every content is one line, so two different edits of a file conflict. */
export const TEMPLATE_FILES: Record<string, string> = {
  'README.md': '# demo\n',
  'src/a.txt': 'a0\n',
  'src/b.txt': 'b0\n',
  'lib/c.txt': 'c0\n',
  'script.sh': '#!/bin/sh\necho hi\n',
  '.gitignore': '.env\nbuild/\n*.log\n',
};
const IGNORED = (p: string) => p === '.env' || p.startsWith('build/') || p.endsWith('.log');

/** The files the "agent" writes: a few of them collide with what the user edits in the main tree. */
const AGENT_PATHS = [
  'src/a.txt',
  'src/b.txt',
  'lib/c.txt',
  'src/new-1.txt',
  'src/new-2.txt',
  'script.sh',
  'build/out.txt',
];
const AGENT_DELETABLE = ['src/b.txt', 'lib/c.txt'];
const USER_TRACKED = ['README.md', 'src/a.txt', 'lib/c.txt', 'script.sh'];
const USER_UNTRACKED = ['notes.txt', 'src/new-1.txt', 'todo/list.txt'];
const USER_IGNORED = ['.env', 'build/out.txt', 'debug.log'];
const TITLES = ['fix the pager', 'add tests', 'Ünïcode & spaces'];

/** Makes the template: the repository, with an ignored .env and build output and a stash entry. */
export async function makeTemplate(dir: string): Promise<void> {
  const run = async (...args: string[]) => {
    const r = await tgit(dir, args);
    if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };
  await mkdir(dir, { recursive: true });
  // No hook samples or other template files: less to copy per sequence.
  await run('init', '-q', '--template=', '-b', 'main');
  for (const [rel, content] of Object.entries(TEMPLATE_FILES)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
  await chmod(path.join(dir, 'script.sh'), 0o755);
  await run('config', 'user.name', 'Test User');
  await run('config', 'user.email', 'test@example.com');
  await run('add', '-A');
  await run('commit', '-q', '-m', 'initial');
  await writeFile(path.join(dir, 'README.md'), '# demo, stashed edit\n');
  await run('stash', 'push', '-q', '-m', 'the user stash');
  await writeFile(path.join(dir, '.env'), 'SECRET=template\n');
  await mkdir(path.join(dir, 'build'), { recursive: true });
  await writeFile(path.join(dir, 'build', 'out.txt'), 'built\n');
}

export interface RunOptions {
  template: string;
  childScript: string;
  /** Appended to every line of the log (the op sequence as it ran). */
  log?: string[];
  stats?: Map<string, number>;
}

export class PropertyFailure extends Error {}

const count = (stats: Map<string, number> | undefined, key: string) =>
  stats?.set(key, (stats.get(key) ?? 0) + 1);

interface HandEdit {
  task: number;
  worktree: string;
  path: string;
  sha: string;
  label: string;
  superseded: boolean;
}

interface Outcome {
  ok: boolean;
  detail: string;
  /** For errors: whether it is a clear refusal or failure factory reports (FactoryError, not a raw git failure). */
  clear: boolean;
}

function outcomeOf(e: unknown): Outcome {
  const err = e as Error;
  const clear = e instanceof FactoryError && err.name !== 'GitError';
  return { ok: false, detail: `${err.name}: ${err.message}`, clear };
}

/** Runs the op in property-child.ts, which kills itself at the chosen git process. */
async function runKilled(
  childScript: string,
  repoDir: string,
  opts: WorktreeOptions,
  op: FactoryOp,
  kill: { at: number; during: boolean; cmd?: string },
): Promise<{ killed: boolean; outcome?: Outcome; gits?: number }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  const child = spawn(
    process.execPath,
    [
      childScript,
      repoDir,
      JSON.stringify(opts),
      JSON.stringify(op),
      String(kill.at),
      kill.during ? 'during' : 'between',
      ...(kill.cmd ? [kill.cmd] : []),
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve) => child.on('close', (c, s) => resolve({ code: c, signal: s })),
  );
  // A git process of a `during` kill is in the same group; wait until the group is gone, so the
  // next command does not race with a dying git.
  const deadline = Date.now() + 20_000;
  while (liveGroupMember(child.pid!)) {
    if (Date.now() > deadline) throw new Error(`process group ${child.pid} is still alive`);
    await new Promise((r) => setTimeout(r, 10));
  }
  if (signal === 'SIGKILL') return { killed: true };
  if (code !== 0) throw new Error(`property child exited ${code}: ${err}`);
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as {
    ok: boolean;
    detail?: string;
    error?: string;
    exitCode: number | null;
    gits: number;
  };
  return {
    killed: false,
    gits: r.gits,
    outcome: r.ok
      ? { ok: true, detail: r.detail!, clear: true }
      : { ok: false, detail: r.error!, clear: r.exitCode !== null && !r.error!.startsWith('GitError') },
  };
}

const pickOf = <T>(xs: T[], r: number) => xs[Math.floor(r * xs.length)]!;

export async function runSequence(plan: SequencePlan, ro: RunOptions): Promise<void> {
  const log = ro.log ?? [];
  const stats = ro.stats;
  const seq = await tempFolder('factory-prop');
  try {
    await play(plan, ro, seq.path, log, stats);
  } finally {
    await seq.remove();
  }
}

async function play(
  plan: SequencePlan,
  ro: RunOptions,
  seqDir: string,
  log: string[],
  stats: Map<string, number> | undefined,
): Promise<void> {
  const repoDir = path.join(seqDir, 'repo');
  await cp(ro.template, repoDir, { recursive: true, preserveTimestamps: true });
  // A copied file has a new inode and ctime: refresh the index's stat data, as a fresh clone has
  // it. (A stale stat cache is still tested: the user `touch`es files in some sequences.)
  await tgit(repoDir, ['update-index', '-q', '--refresh']);
  // Things of the user's outside the repository: a sibling folder, and the folder worktree.dir is in.
  await mkdir(path.join(seqDir, 'canary', 'sub'), { recursive: true });
  await writeFile(path.join(seqDir, 'canary', 'a.txt'), 'outside the repo\n');
  await writeFile(path.join(seqDir, 'canary', 'sub', 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  let dir: string | null = null;
  if (plan.layout === 'shared') {
    // worktree.dir is a folder the user also keeps other things in: factory refuses to take a
    // non-empty folder it did not make, so the user puts their notes there after the first task.
    dir = '../wt';
  } else if (plan.layout === 'nested') {
    await mkdir(path.join(seqDir, 'wt'), { recursive: true });
    await writeFile(path.join(seqDir, 'wt', 'canary.txt'), 'next to the worktrees\n');
    dir = '../wt/tasks';
  }
  const opts: WorktreeOptions = {
    ...DEFAULT_WORKTREE_OPTIONS,
    dir,
    pool: plan.pool,
    copy: plan.copyEnv ? ['.env'] : [],
  };
  // Factory's own entries next to the user's: the worktree folders it creates.
  const factoryOwned = (rel: string) =>
    rel === 'repo' ||
    (plan.layout === 'nested' && rel === 'wt/tasks') ||
    (plan.layout === 'shared' && /^wt\/(\d+|pool-\d+|\.factory-worktrees\.json)$/.test(rel));
  let outsideBefore = await walkFiles(seqDir, factoryOwned);
  const checkOutside = async () => {
    const outsideAfter = await walkFiles(seqDir, factoryOwned);
    const outside: string[] = [];
    for (const k of new Set([...outsideBefore.keys(), ...outsideAfter.keys()]))
      if (outsideBefore.get(k) !== outsideAfter.get(k))
        outside.push(
          `${k}: ${outsideBefore.has(k) ? (outsideAfter.has(k) ? 'changed' : 'deleted') : 'created'}`,
        );
    if (outside.length)
      fail(`files outside the repository changed (${plan.layout} worktree.dir): ${outside.join(', ')}`);
  };

  const first = await snapshotMain(repoDir);
  let expected: Expected = { state: first, head: { exact: first.head } };
  const hand: HandEdit[] = [];
  const secrets: string[] = [blobSha('SECRET=template\n')];
  /** What the model knows of each task: merged and discarded ones must refuse merges. */
  const status = new Map<number, 'open' | 'merged' | 'discarded'>();
  /** Tasks discarded and then pruned: the user asked for their work to go. */
  const dropped = new Set<number>();
  const fail = (msg: string): never => {
    throw new PropertyFailure(msg);
  };

  const repo = await openRepo(repoDir);
  const existingTasks = async () => taskIds(repo);
  /** Mostly a task that is still open (so the command has something to do), sometimes any task. */
  const pickTask = async (r: number) => {
    const ids = await existingTasks();
    const open = ids.filter((id) => status.get(id) === 'open');
    if (open.length && r < 0.8) return pickOf(open, r / 0.8);
    return ids.length ? pickOf(ids, r < 0.8 ? r / 0.8 : (r - 0.8) / 0.2) : 1;
  };
  /** Mostly an attempt the task has (from its attempt refs), sometimes one it may not have. */
  const pickAttempt = async (id: number, r: number) => {
    const dir = path.join(repo.commonDir, 'refs', 'factory', String(id), 'attempts');
    const have = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^\d+$/.test(n)).map(Number);
    return have.length && r < 0.85 ? pickOf(have.sort(), r / 0.85) : 1 + Math.floor(r * 3);
  };

  /** Every hand edit made in a task worktree is still somewhere the user can get it back. */
  const checkHandEdits = async (when: string) => {
    const missing: HandEdit[] = [];
    for (const h of hand) {
      if (h.superseded || dropped.has(h.task)) continue;
      const now = await readFile(path.join(h.worktree, h.path)).catch(() => null);
      if (now && blobSha(now) === h.sha) continue;
      missing.push(h);
    }
    if (!missing.length) return;
    const objects = await tgit(repoDir, ['rev-list', '--objects', '--all']);
    const reachable = new Set(objects.stdout.split('\n').map((l) => l.slice(0, 40)));
    const lost = missing.filter((h) => !reachable.has(h.sha));
    if (lost.length)
      fail(
        `${when}\n  hand edit(s) in a task worktree lost (not in the worktree, not reachable from any ref):\n    ${lost.map((h) => h.label).join('\n    ')}`,
      );
  };

  for (let i = 0; i < plan.ops.length; i++) {
    const op = plan.ops[i]!;
    if (i === 1 && plan.layout === 'shared') {
      await checkOutside();
      await mkdir(path.join(seqDir, 'wt', 'notes'), { recursive: true });
      await writeFile(path.join(seqDir, 'wt', 'notes', 'keep.txt'), 'my notes\n');
      outsideBefore = await walkFiles(seqDir, factoryOwned);
    }
    const token = `${plan.seed}.${i + 1}`;
    const r = op.r;
    if (op.k === 'edit') {
      log.push(`${i + 1}. user: ${await userEdit(repoDir, r, token, secrets)}`);
      const s = await snapshotMain(repoDir);
      expected = { state: s, head: { exact: s.head } };
      count(stats, 'user edit');
      continue;
    }
    if (op.k === 'hand') {
      const withTree: { id: number; worktree: string }[] = [];
      for (const id of await existingTasks()) {
        const rec = await readRecord(repo, id).catch(() => null);
        if (rec && existsSync(rec.worktree)) withTree.push({ id, worktree: rec.worktree });
      }
      if (!withTree.length) {
        log.push(`${i + 1}. user: (no task worktree to edit)`);
        continue;
      }
      const t = pickOf(withTree, r[0]!);
      let rel: string;
      let content: string;
      if (r[1]! < 0.45) [rel, content] = ['README.md', `hand edit ${token}\n`];
      else if (r[1]! < 0.85) [rel, content] = [`hand-${token}.txt`, `hand file ${token}\n`];
      else [rel, content] = ['.env', `SECRET=hand-${token}\n`];
      await writeFile(path.join(t.worktree, rel), content);
      if (rel === '.env') secrets.push(blobSha(content));
      else {
        for (const h of hand) if (h.worktree === t.worktree && h.path === rel) h.superseded = true;
        hand.push({
          task: t.id,
          worktree: t.worktree,
          path: rel,
          sha: blobSha(content),
          label: `${rel} of task ${t.id} (step ${i + 1})`,
          superseded: false,
        });
      }
      log.push(`${i + 1}. user: edits ${rel} in the worktree of task ${t.id}`);
      count(stats, 'hand edit in a task worktree');
      continue;
    }

    // A factory operation, decided against the current state.
    let fop: FactoryOp;
    switch (op.k) {
      case 'task':
        fop = { k: 'task', title: pickOf(TITLES, r[0]!) };
        break;
      case 'work': {
        const id = await pickTask(r[0]!);
        const steps: { path: string; content: string | null }[] = [];
        const n = 1 + Math.floor(r[1]! * 2.5);
        for (let s = 0; s < n; s++) {
          const del = r[5]! < 0.15 && s === n - 1;
          const p = del ? pickOf(AGENT_DELETABLE, r[2 + s]!) : pickOf(AGENT_PATHS, r[2 + s]!);
          steps.push({ path: p, content: del ? null : `${p} by task ${id} (${token}.${s + 1})\n` });
        }
        fop = { k: 'work', id, steps, attempt: r[6]! < 0.85, pass: r[7]! < 0.5 };
        break;
      }
      case 'rollback': {
        const id = await pickTask(r[0]!);
        fop = {
          k: 'rollback',
          id,
          attempt: await pickAttempt(id, r[1]!),
          ...(r[2]! < 0.25 ? { step: 1 + Math.floor(r[3]! * 2) } : {}),
        };
        break;
      }
      case 'undo':
        fop = { k: 'undo', id: await pickTask(r[0]!) };
        break;
      case 'discard':
        fop = { k: 'discard', id: await pickTask(r[0]!), force: r[1]! < 0.5 };
        break;
      case 'merge':
        fop = {
          k: 'merge',
          id: await pickTask(r[0]!),
          mode: r[1]! < 0.7 ? 'squash' : 'merge',
          force: r[2]! < 0.5,
        };
        break;
      default:
        fop = { k: 'prune' };
    }

    const pre = expected;
    const merge = fop.k === 'merge' ? await predictMerge(repo, pre, fop, status, hand) : null;

    const opStart = Date.now();
    let outcome: Outcome;
    let killedNote = '';
    let killed = false;
    if (op.kill) {
      const k = await runKilled(ro.childScript, repoDir, opts, fop, op.kill);
      count(stats, k.killed ? 'kill -9' : 'kill point after the end');
      killed = k.killed;
      if (k.killed) {
        const which = op.kill.cmd ? `git ${op.kill.cmd} #${op.kill.at}` : `git #${op.kill.at}`;
        killedNote = ` [killed -9 ${op.kill.during ? 'while' : 'before'} ${which}; then run again]`;
        // The user runs the same command again: it must recover and finish (or refuse cleanly).
        try {
          outcome = { ok: true, detail: await runFactoryOp(repoDir, opts, fop), clear: true };
        } catch (e) {
          outcome = outcomeOf(e);
        }
      } else {
        outcome = k.outcome!;
        killedNote = ` [ran in a child; ${k.gits} git processes, kill point ${op.kill.at} not reached]`;
      }
    } else {
      try {
        outcome = { ok: true, detail: await runFactoryOp(repoDir, opts, fop), clear: true };
      } catch (e) {
        outcome = outcomeOf(e);
      }
    }
    const line = `${i + 1}. ${describeOp(fop)}${killedNote} -> ${outcome.ok ? 'ok' : 'refused'}: ${outcome.detail.split('\n')[0]}`;
    log.push(line);
    count(stats, `${fop.k} ${outcome.ok ? 'ok' : 'refused'}`);
    if (process.env.FACTORY_PROPERTY_TIMING) console.info(`${Date.now() - opStart}ms ${line}`);

    if (!outcome.ok && !outcome.clear)
      fail(`${line}\n  not a clear refusal (FactoryError): an unexpected failure`);

    // Which states of the user's side are allowed now.
    const allowed: { name: string; exp: Expected }[] = [];
    if (!outcome.ok || killed || fop.k !== 'merge') allowed.push({ name: 'unchanged', exp: pre });
    if (fop.k === 'merge' && (outcome.ok || killed)) {
      if (merge?.post) allowed.push({ name: 'merged', exp: merge.post });
      else if (outcome.ok) fail(`${line}\n  the merge must not succeed: ${merge?.why}`);
    }
    // Without --force a merge may refuse for the task's own reasons (its check did not pass, hand
    // edits in its worktree); with it, and nothing of the user's in the way, it must go through.
    if (fop.k === 'merge' && fop.force && !outcome.ok && !killed && merge?.clean)
      fail(`${line}\n  refused a forced merge into a clean main tree with no conflict`);
    const actual = await snapshotMain(repoDir);
    let matched: string | null = null;
    const diffs: string[] = [];
    for (const a of allowed) {
      const d = await compareMain(repo.commonDir, a.exp, actual);
      if (!d.length) {
        matched = a.name;
        break;
      }
      diffs.push(`  vs ${a.name}:\n    ${d.join('\n    ')}`);
    }
    if (!matched)
      fail(
        `${line}\n  the user's side of the repository is not as they left it nor as they asked:\n${diffs.join('\n')}\n  now:\n${describeState(actual)}`,
      );
    expected = { state: actual, head: { exact: actual.head } };

    // Bookkeeping of the model, and the checks that belong to the command.
    if (fop.k === 'merge' && matched === 'merged') status.set(fop.id, 'merged');
    if (fop.k === 'task' || killed) {
      for (const id of await existingTasks()) {
        const st = (await taskStatus(repo, id, await readEvents(repo, id))).status;
        if (st === 'running') fail(`${line}\n  task ${id} says it is running, but no process runs it`);
        if (st === 'merged' || st === 'discarded') status.set(id, st);
        else if (!status.has(id)) status.set(id, 'open');
      }
    }
    if (fop.k === 'discard' && outcome.ok) status.set(fop.id, 'discarded');
    if (fop.k === 'discard' || fop.k === 'merge') await checkHandEdits(line);
    if (fop.k === 'prune' && (outcome.ok || killed)) {
      await checkHandEdits(`${line} (before counting discarded tasks as dropped)`);
      for (const [id, st] of status) if (st === 'discarded') dropped.add(id);
    }
  }

  // The end of the sequence.
  await checkHandEdits('at the end');
  const fsck = await tgit(repoDir, ['fsck', '--strict', '--no-progress']);
  const fsckOut = `${fsck.stdout}${fsck.stderr}`;
  if (fsck.code !== 0 || /error|missing|broken|corrupt|fatal|invalid/i.test(fsckOut))
    fail(`git fsck --strict is not clean (exit ${fsck.code}):\n${fsckOut}`);
  const objects = await tgit(repoDir, ['rev-list', '--objects', '--all']);
  const leaked = objects.stdout
    .split('\n')
    .filter((l) => secrets.includes(l.slice(0, 40)) || / (.*\/)?\.env$/.test(l));
  if (leaked.length) fail(`an ignored secret (.env) is in a commit: ${leaked.join(', ')}`);
  for (const id of await existingTasks()) {
    const st = (await taskStatus(repo, id, await readEvents(repo, id))).status;
    if (st === 'running') fail(`task ${id} says it is running, but no process runs it`);
  }
  await checkOutside();
}

/** One thing the user does in the main tree, with git or an editor. */
async function userEdit(repoDir: string, r: number[], token: string, secrets: string[]): Promise<string> {
  const kind = Math.floor(r[0]! * 9);
  const write = async (rel: string, content: string) => {
    await mkdir(path.dirname(path.join(repoDir, rel)), { recursive: true });
    await writeFile(path.join(repoDir, rel), content);
  };
  switch (kind) {
    case 0:
    case 1: {
      const rel = pickOf(USER_TRACKED, r[1]!);
      await write(rel, `user edit ${token}\n`);
      if (r[2]! < 0.35) {
        await tgit(repoDir, ['add', '--', rel]);
        return `edits and stages ${rel}`;
      }
      return `edits ${rel}`;
    }
    case 2: {
      const rel = pickOf(USER_UNTRACKED, r[1]!);
      await write(rel, `user file ${token}\n`);
      return `creates untracked ${rel}`;
    }
    case 3: {
      const rel = pickOf(USER_IGNORED, r[1]!);
      const content = `SECRET=${token}\n`;
      await write(rel, content);
      secrets.push(blobSha(content));
      return `writes ignored ${rel}`;
    }
    case 4: {
      const untracked = r[1]! < 0.3;
      const s = await tgit(repoDir, [
        'stash',
        'push',
        '-q',
        ...(untracked ? ['-u'] : []),
        '-m',
        `stash ${token}`,
      ]);
      return `git stash push${untracked ? ' -u' : ''} (exit ${s.code})`;
    }
    case 5: {
      await write('src/b.txt', `user commit ${token}\n`);
      const c = await tgit(repoDir, ['commit', '-qam', `user ${token}`]);
      return `edits src/b.txt and runs git commit -am (exit ${c.code})`;
    }
    case 6: {
      const rel = pickOf(['lib/c.txt', 'src/b.txt'], r[1]!);
      await rm(path.join(repoDir, rel), { force: true });
      return `deletes ${rel}`;
    }
    case 7: {
      await chmod(path.join(repoDir, 'src/a.txt'), 0o755).catch(() => undefined);
      return 'chmod +x src/a.txt';
    }
    default: {
      // Same content, new mtime (an editor saving an unchanged file, a build tool, `touch`):
      // git's stat cache in the index no longer matches, the content does.
      const rel = pickOf(['src/b.txt', 'lib/c.txt', 'src/a.txt'], r[1]!);
      const when = new Date(Date.now() + 5000);
      await utimes(path.join(repoDir, rel), when, when).catch(() => undefined);
      return `touch ${rel}`;
    }
  }
}

interface MergePrediction {
  /** The state a successful merge must leave, or null when it must not succeed. */
  post: Expected | null;
  why?: string;
  /** A clean main tree, no conflict, no hand edits in the task: a refusal would be a bug. */
  clean: boolean;
}

const entryKey = (e: TreeEntry | undefined) => (e ? `${e.mode} ${e.sha}` : '');

/**
 * What a merge of the task must do to the user's side: a three-way merge of files (the template's
 * files are one line each, so two different changes to one file are a conflict), applied to
 * exactly the paths whose content the merge changes; refused when that would overwrite anything
 * the user has there (an edit, a staged change, an untracked or an ignored file).
 */
async function predictMerge(
  repo: Repo,
  pre: Expected,
  op: Extract<FactoryOp, { k: 'merge' }>,
  status: Map<number, string>,
  hand: HandEdit[],
): Promise<MergePrediction> {
  const none = (why: string): MergePrediction => ({ post: null, why, clean: false });
  if (status.get(op.id) !== 'open') return none(`task ${op.id} is ${status.get(op.id) ?? 'unknown'}`);
  const commonDir = repo.commonDir;
  const rec = await readRecord(repo, op.id).catch(() => null);
  if (!rec) return none(`task ${op.id} has no record`);
  const tip = await readRef(commonDir, `refs/heads/${rec.branch}`);
  if (!tip) return none(`task ${op.id} has no branch`);
  if (!('exact' in pre.head) || !pre.head.exact) return none('HEAD unknown');
  const head = pre.head.exact;
  const treeOf = async (c: string) => readTree(commonDir, (await readCommit(commonDir, c)).tree);
  const [b, h, t] = await Promise.all([treeOf(rec.base), treeOf(head), treeOf(tip)]);
  const result = new Map<string, TreeEntry>();
  const conflicts: string[] = [];
  for (const p of new Set([...b.keys(), ...h.keys(), ...t.keys()])) {
    const [kb, kh, kt] = [entryKey(b.get(p)), entryKey(h.get(p)), entryKey(t.get(p))];
    const pick = kt === kb ? h.get(p) : kh === kb || kh === kt ? t.get(p) : undefined;
    if (kt !== kb && kh !== kb && kh !== kt) conflicts.push(p);
    else if (pick) result.set(p, pick);
  }
  if (conflicts.length) return none(`conflict in ${conflicts.join(', ')}`);
  // A merge that would change nothing is refused ("nothing to merge"), not an empty commit.
  if (result.size === h.size && [...h].every(([p, e]) => entryKey(result.get(p)) === entryKey(e)))
    return none('nothing to merge: the result is the tree HEAD already has');
  const state: MainState = {
    ...pre.state,
    files: new Map(pre.state.files),
    index: new Map(pre.state.index),
    locks: [],
  };
  const clobbered: string[] = [];
  for (const p of new Set([...h.keys(), ...result.keys()])) {
    const he = h.get(p);
    const re = result.get(p);
    if (entryKey(he) === entryKey(re)) continue;
    const headFile = he
      ? treeFileValue(he, (await readObject(commonDir, he.sha)).body.toString('utf8'))
      : undefined;
    if (
      pre.state.files.get(p) !== headFile ||
      pre.state.index.get(p) !== (he ? treeIndexValue(he) : undefined)
    )
      clobbered.push(p);
    if (re) {
      state.files.set(p, treeFileValue(re, (await readObject(commonDir, re.sha)).body.toString('utf8')));
      state.index.set(p, treeIndexValue(re));
    } else {
      state.files.delete(p);
      state.index.delete(p);
    }
  }
  if (clobbered.length)
    return none(
      `it would overwrite what the user has at ${clobbered.join(', ')} (edited, staged, untracked or ignored)`,
    );
  let clean = !hand.some((x) => x.task === op.id);
  for (const [p, v] of pre.state.index)
    if (v !== (h.get(p) ? treeIndexValue(h.get(p)!) : undefined)) clean = false;
  for (const p of h.keys()) if (!pre.state.index.has(p) || !pre.state.files.has(p)) clean = false;
  for (const p of pre.state.files.keys()) if (!h.has(p) && !IGNORED(p)) clean = false;
  for (const [p, e] of h)
    if (
      pre.state.files.get(p) !== treeFileValue(e, (await readObject(commonDir, e.sha)).body.toString('utf8'))
    )
      clean = false;
  return {
    post: {
      state,
      head: {
        // commit-tree drops a parent given twice (a task with no commits of its own).
        parents: op.mode === 'merge' && tip !== head ? [head, tip] : [head],
        tree: result,
        what: `${op.mode} of task ${op.id}`,
      },
    },
    clean,
  };
}

/** The ops as JSON, for FACTORY_PROPERTY_OPS (replays exactly these steps). */
export function formatOps(ops: Op[]): string {
  return JSON.stringify(ops);
}
