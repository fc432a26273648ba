/**
 * A real factory writer in its own process, for the concurrency and crash tests.
 *
 * As a script (`node --import <tsx> commit-writer.ts <mode> ...`), it drives the engine and
 * prints one JSON line per event on stdout, so the parent can follow (and kill) it:
 *
 *   commit <repoDir> <id> [--attempts N] [--steps N] [--from-next] [--wait]
 *     Opens the task's workspace and makes, per attempt, N step commits (one file each) and one
 *     attempt commit. Prints `ready` once the workspace is open, `begin` right before every
 *     commit (with the subject it will carry and the tip it builds on) and `committed` right
 *     after it. `--from-next` starts at `ws.nextAttempt()` instead of 1; `--wait` waits for a
 *     line on stdin after `ready`, so several writers can be started at the same moment.
 *
 *   create <repoDir> <count> <title> [--wait]
 *     Creates `count` tasks at the same time with `createTask`, printing `created` for each.
 *
 *   hold-ref-lock <repoDir> <id>
 *     Opens the workspace and starts the ref transaction of a step commit (`update-ref --stdin`
 *     with `prepare`), so git holds every lock such a commit takes, prints `locked`, and waits to
 *     be killed.
 *
 * Imported as a module, it exports `startWriter` to spawn it and read its events.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsxLoader } from './git-repo.js';

export type WriterEvent =
  | { event: 'ready'; pid: number; tip: string; firstAttempt: number }
  | { event: 'begin'; kind: 'step' | 'attempt'; address: string; subject: string; parent: string }
  | { event: 'committed'; kind: 'step' | 'attempt'; address: string; sha: string }
  | { event: 'created'; id: number; branch: string; worktree: string }
  | { event: 'locked'; commit: string; tip: string }
  | { event: 'done' };

const script = fileURLToPath(import.meta.url);

export interface Writer {
  child: ChildProcess;
  pid: number;
  events: WriterEvent[];
  /** Lines on stdout that are not events (there should be none). */
  noise: string[];
  stderr: () => string;
  /** Resolves on the first event matching `pred` (also one seen already); rejects if the child exits first. */
  waitFor: (pred: (e: WriterEvent) => boolean) => Promise<WriterEvent>;
  /** Registers a callback for every future event. */
  onEvent: (fn: (e: WriterEvent) => void) => void;
  /** Releases a writer started with `--wait`. */
  go: () => void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns the script; `detached` puts it (and the git processes it starts) in its own process group. */
export function startWriter(
  args: string[],
  opts: { detached?: boolean; env?: NodeJS.ProcessEnv } = {},
): Writer {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  Object.assign(env, opts.env);
  const child = spawn(process.execPath, ['--import', tsxLoader, script, ...args], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  const events: WriterEvent[] = [];
  const noise: string[] = [];
  const listeners: ((e: WriterEvent) => void)[] = [];
  let err = '';
  let buf = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let e: WriterEvent;
      try {
        e = JSON.parse(line) as WriterEvent;
      } catch {
        noise.push(line);
        continue;
      }
      events.push(e);
      for (const fn of listeners) fn(e);
    }
  });
  child.stdin!.on('error', () => {
    /* the child may be gone already */
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    pid: child.pid!,
    events,
    noise,
    stderr: () => err,
    waitFor: (pred) =>
      new Promise((resolve, reject) => {
        const seen = events.find(pred);
        if (seen) return resolve(seen);
        listeners.push((e) => {
          if (pred(e)) resolve(e);
        });
        void exited.then(({ code, signal }) => {
          const found = events.find(pred);
          if (found) resolve(found);
          else reject(new Error(`writer ${args.join(' ')} exited (${code ?? signal}) first: ${err.trim()}`));
        });
      }),
    onEvent: (fn) => listeners.push(fn),
    go: () => child.stdin!.write('go\n'),
    exited,
  };
}

// ---------------------------------------------------------------------------------------------
// The script.

function emit(e: WriterEvent): void {
  // stdout is a pipe, which Node writes synchronously on Linux: a `begin` line is out before the
  // commit starts, a `committed` line only after it returned.
  process.stdout.write(`${JSON.stringify(e)}\n`);
}

function flag(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  args.splice(i, 2);
  return v;
}

function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.once('data', () => {
      process.stdin.pause();
      resolve();
    });
  });
}

/** The attempt outcome the writers record: even attempts pass, odd ones fail. */
export function attemptOutcome(id: number, attempt: number) {
  const pass = attempt % 2 === 0;
  return {
    checkExit: pass ? 0 : 1,
    verdict: pass ? ('PASS' as const) : ('FAIL' as const),
    durationMs: 1000 + attempt * 10 + id,
    outcome: pass ? 'passed' : 'failed',
  };
}

/** The file step `step` of `attempt` writes: odd steps add a new file, even ones rewrite one. */
export function stepFile(attempt: number, step: number): string {
  return step % 2 === 1 ? `work/a${attempt}-s${step}.txt` : 'progress.txt';
}

async function commitMode(args: string[]): Promise<void> {
  const [{ openRepo }, { TaskWorkspace }, { DEFAULT_WORKTREE_OPTIONS }, { stepMessage, attemptMessage }] =
    await Promise.all([
      import('../../src/git/repo.js'),
      import('../../src/tasks/workspace.js'),
      import('../../src/tasks/options.js'),
      import('../../src/git/messages.js'),
    ]);
  const wait = flag(args, '--wait');
  const fromNext = flag(args, '--from-next');
  const attempts = option(args, '--attempts', 5);
  const steps = option(args, '--steps', 10);
  const [repoDir, idArg] = args;
  const id = Number(idArg);
  const repo = await openRepo(repoDir!);
  const ws = await TaskWorkspace.open(repo, id, DEFAULT_WORKTREE_OPTIONS);
  const first = fromNext ? await ws.nextAttempt() : 1;
  emit({ event: 'ready', pid: process.pid, tip: ws.branch.tip, firstAttempt: first });
  if (wait) await waitForGo();
  await mkdir(path.join(ws.worktree, 'work'), { recursive: true });
  for (let a = first; a < first + attempts; a++) {
    for (let s = 1; s <= steps; s++) {
      const file = stepFile(a, s);
      await writeFile(path.join(ws.worktree, file), `task ${id} attempt ${a} step ${s}\n`);
      const meta = { attempt: a, step: s, tool: 'write_file', paths: [file] };
      const address = `${id}.${a}.${s}`;
      const subject = stepMessage({ task: id, ...meta }).split('\n')[0]!;
      emit({ event: 'begin', kind: 'step', address, subject, parent: ws.branch.tip });
      const sha = await ws.commitStep(meta);
      if (!sha) throw new Error(`step ${address} made no commit`);
      emit({ event: 'committed', kind: 'step', address, sha });
    }
    // Odd attempts leave an untracked file that only the attempt commit picks up.
    if (a % 2 === 1) {
      await mkdir(path.join(ws.worktree, 'out'), { recursive: true });
      await writeFile(path.join(ws.worktree, 'out', `attempt-${a}.log`), `check output of attempt ${a}\n`);
    }
    const req = { attempt: a, ...attemptOutcome(id, a) };
    const address = `${id}.${a}`;
    const subject = attemptMessage({ task: id, ...req }).split('\n')[0]!;
    emit({ event: 'begin', kind: 'attempt', address, subject, parent: ws.branch.tip });
    const r = await ws.commitAttempt(req);
    emit({ event: 'committed', kind: 'attempt', address, sha: r.commit });
  }
  await ws.close();
  emit({ event: 'done' });
}

async function createMode(args: string[]): Promise<void> {
  const [{ openRepo }, { createTask }, { DEFAULT_WORKTREE_OPTIONS }] = await Promise.all([
    import('../../src/git/repo.js'),
    import('../../src/tasks/create.js'),
    import('../../src/tasks/options.js'),
  ]);
  const wait = flag(args, '--wait');
  const [repoDir, countArg, title] = args;
  const repo = await openRepo(repoDir!);
  emit({ event: 'ready', pid: process.pid, tip: '', firstAttempt: 0 });
  if (wait) await waitForGo();
  await Promise.all(
    Array.from({ length: Number(countArg) }, async (_, i) => {
      const { record } = await createTask(repo, DEFAULT_WORKTREE_OPTIONS, { title: `${title} ${i + 1}` });
      emit({ event: 'created', id: record.id, branch: record.branch, worktree: record.worktree });
    }),
  );
  emit({ event: 'done' });
}

async function holdRefLockMode(args: string[]): Promise<void> {
  const [
    { openRepo },
    { TaskWorkspace },
    { DEFAULT_WORKTREE_OPTIONS },
    { gitEnv, gitOut, FACTORY_IDENTITY },
  ] = await Promise.all([
    import('../../src/git/repo.js'),
    import('../../src/tasks/workspace.js'),
    import('../../src/tasks/options.js'),
    import('../../src/git/run.js'),
  ]);
  const [repoDir, idArg] = args;
  const repo = await openRepo(repoDir!);
  const ws = await TaskWorkspace.open(repo, Number(idArg), DEFAULT_WORKTREE_OPTIONS);
  const tip = ws.branch.tip;
  const cwd = ws.worktree;
  const commit = await gitOut(['commit-tree', `${tip}^{tree}`, '-p', tip, '-m', 'held'], {
    cwd,
    env: FACTORY_IDENTITY,
  });
  // The same ref update a step commit makes, stopped between locking and committing.
  const git = spawn('git', ['update-ref', '-m', 'factory step', '--stdin'], {
    cwd,
    env: gitEnv(),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  git.stdin.write(`start\nupdate refs/heads/${ws.record.branch} ${commit} ${tip}\nprepare\n`);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    git.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('prepare: ok')) resolve();
    });
    git.on('close', (code) => reject(new Error(`update-ref exited ${code}: ${out}`)));
  });
  emit({ event: 'locked', commit, tip });
  await new Promise(() => {
    /* wait to be killed */
  });
}

async function main(): Promise<void> {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'commit') await commitMode(args);
  else if (mode === 'create') await createMode(args);
  else if (mode === 'hold-ref-lock') await holdRefLockMode(args);
  else throw new Error(`unknown mode ${mode}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === script) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`commit-writer failed: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
