import { accessSync, constants, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { execa } from 'execa';
import { OutputCapture } from './exec-capture.js';
import { checkEnv } from './exec-env.js';
import { fdTarget } from './exec-procs.js';
import { ProcessTree } from './exec-tree.js';
import { explainFailure, wrapCommand, type SandboxPlan, type SpawnSpec } from './os-sandbox/index.js';
import type { ExecResult } from './types.js';

export { scrubEnv, checkEnv, isSecretName } from './exec-env.js';

export interface RunCheckOptions {
  cwd: string;
  /** Wall-clock limit; 0, negative or not finite means none (Ctrl-C still works). */
  timeoutMs: number;
  /** Output kept, head and tail together, split evenly. Default 128 KiB. */
  maxOutputBytes?: number;
  /** Aborting kills the whole tree, like a timeout, and the result says `cancelled`. */
  signal?: AbortSignal;
  /** The environment to scrub (see `checkEnv`). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Every piece of output as it arrives, uncapped: a live view must keep only what it shows. */
  onOutput?: (chunk: string) => void;
  /** Time between SIGTERM and SIGKILL. Default 1 s. */
  killGraceMs?: number;
  /** The OS sandbox to run in (bwrap, Seatbelt); absent or kind "none": unsandboxed. */
  sandbox?: SandboxPlan;
  /** Called with the shell's pid (its process group and session id) as soon as it exists. */
  onSpawn?: (pid: number) => void;
}

export interface RunCheckResult extends ExecResult {
  /** The shell's pid, which is also its process group and session id; absent if it never started. */
  pid?: number;
  /**
   * Processes still running after the shell itself exited (`server &` left behind), which factory
   * killed: left alive they would hold ports and files into the next attempt.
   */
  stragglers: number;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 128 * 1024;
const DEFAULT_GRACE_MS = 1000;
/** How often descendants are recorded, so a `setsid` one can be found after its parent exited. */
const OBSERVE_MS = 200;
/** Once every process is dead the pipes only hold what the kernel buffered: a read or two. */
const DRAIN_MS = 250;
/** Exit code of a check that could not start, as a shell reports a command it cannot run. */
export const NOT_STARTED = 127;

/**
 * Runs `sh -c command` in `cwd` as a check: its own session and process group, started only once
 * `onSpawn` has recorded it (`gated`), stdin from /dev/null, a scrubbed environment, output captured head and tail. Never throws: a command that
 * cannot start comes back with exit code 127 and the reason as its output.
 *
 * The shell leads a new session, so nothing it starts has a controlling terminal and none of it
 * can prompt the user. When it exits, processes it left behind are killed too. stdout and stderr
 * are two pipes read as data arrives, so their interleaving is as close as the reads allow, not
 * exact.
 */
export async function runCheck(command: string, opts: RunCheckOptions): Promise<RunCheckResult> {
  const t0 = performance.now();
  const notRun = (output: string, extra: Partial<RunCheckResult> = {}): RunCheckResult => ({
    command,
    exitCode: NOT_STARTED,
    signal: null,
    timedOut: false,
    cancelled: false,
    durationMs: Math.round(performance.now() - t0),
    output,
    head: output,
    tail: '',
    truncatedBytes: 0,
    totalBytes: 0,
    stragglers: 0,
    ...extra,
  });
  if (opts.signal?.aborted) return notRun('', { exitCode: null, cancelled: true });
  const problem = cwdProblem(opts.cwd);
  if (problem) return notRun(`factory: cannot run the check: ${problem}\n`);

  const plan = opts.sandbox;
  const env = checkEnv(opts.env ?? process.env, { allow: plan?.envAllow, deny: plan?.envDeny });
  const spec = wrapCommand(gated(command), opts.cwd, env, plan);
  let child: ReturnType<typeof startCheck>;
  try {
    child = startCheck(spec, opts.cwd);
  } catch (e) {
    // execa refuses some commands before spawning (a NUL byte in an argument, say).
    return notRun(`factory: cannot run the check: ${(e as Error).message}\n`);
  }
  const pid = child.pid;
  if (pid === undefined) {
    // Never spawned: execa's result (never a rejection, see `reject: false`) says why.
    const failed = await child;
    return notRun(`factory: cannot run the check: ${failed.originalMessage ?? failed.shortMessage}\n`);
  }
  try {
    opts.onSpawn?.(pid);
  } catch {
    // Only a record for crash recovery; the check itself runs and is supervised either way.
  }
  // Recorded: now the command may start (see `gated`). A shell that already died breaks the pipe.
  child.stdin?.on('error', () => {});
  child.stdin?.end('\n');
  // Read now, while the shell surely still has them: they identify our pipes in any process.
  const pipes = new Set([fdTarget(pid, 1), fdTarget(pid, 2)].filter((t): t is string => t !== null));
  const result = await supervise(child, pid, pipes, command, opts, t0);
  // Also when it exited 0: `cmd || true` hides a blocked write from the exit code, not the output.
  return plan ? withSandboxNotes(result, plan, opts.cwd) : result;
}

/**
 * The shell waits for a line on stdin before it runs the command, and factory sends that line only
 * after `onSpawn` recorded the shell's group in the run lock. Without the wait, a kill -9 of factory
 * between the fork and the record would leave a check running in the worktree that no later
 * `resume` knows to stop. If factory dies first, `read` meets end of file and nothing runs. The
 * command itself gets /dev/null as stdin, as before; `exec` keeps the shell's pid, so the group's
 * leader is still the process factory recorded.
 */
export function gated(command: string): string {
  return `read -r _ || exit ${NOT_STARTED}; exec /bin/sh -c ${shellQuote(command)} </dev/null`;
}

/** One shell word, whatever the text holds: single quotes, with each `'` spelled `'\''`. */
const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * execa starts the check; factory supervises it (`supervise`). The options that matter:
 * - `detached`: the shell leads a new session and process group, the handle `ProcessTree` kills
 *   as a whole. execa's own `timeout` and `cancelSignal` are not used: they signal the shell's pid
 *   alone, and whatever it started would run on.
 * - `env` with `extendEnv: false`: exactly the scrubbed environment; execa's default would lay it
 *   over factory's own, secrets included.
 * - `buffer: false`: execa keeps nothing; `OutputCapture` keeps head and tail within the byte cap
 *   (execa's `maxBuffer` keeps only the head and fails the run), reading the two pipes as data arrives.
 * - `reject: false`: a failing check is a result, not an error.
 * - `cleanup: false`: execa skips it for a detached child anyway, and it would reach only the shell.
 *   A check outlives a killed factory only unsandboxed: bwrap's `--die-with-parent` ends a
 *   sandboxed one, and `onSpawn` records the group for crash recovery.
 */
function startCheck(spec: SpawnSpec, cwd: string) {
  return execa(spec.file, spec.args, {
    cwd,
    env: spec.env,
    extendEnv: false,
    detached: true,
    cleanup: false,
    // A pipe only for the go-ahead line of `gated`.
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
  });
}

/**
 * A failure the sandbox caused is said so under the output, where the Coder, the Sheriff and the
 * user all read it: the line names what was blocked and the setting that would allow it.
 */
function withSandboxNotes(result: RunCheckResult, plan: SandboxPlan, cwd: string): RunCheckResult {
  const notes = explainFailure(result.output, plan, cwd);
  if (notes.length === 0) return result;
  const text = `${result.output.endsWith('\n') || result.output === '' ? '' : '\n'}${notes.join('\n')}\n`;
  return {
    ...result,
    output: result.output + text,
    // Without a cut the output is all in `head`; with one, the notes belong after the tail.
    ...(result.truncatedBytes > 0 ? { tail: result.tail + text } : { head: result.head + text }),
    sandboxNotes: notes,
  };
}

/** What `supervise` uses of the subprocess: execa's, which is a node ChildProcess with streams. */
interface Supervised {
  stdout: Readable;
  stderr: Readable;
  on(event: 'error', listener: (e: Error) => void): unknown;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

async function supervise(
  child: Supervised,
  pid: number,
  pipes: Set<string>,
  command: string,
  opts: RunCheckOptions,
  t0: number,
): Promise<RunCheckResult> {
  const capture = new OutputCapture(opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
  const streams = [child.stdout, child.stderr];
  let open = streams.length;
  /** Pipes with no end of file yet: some process may still hold their other end. */
  let held = streams.length;
  const closed = new Promise<void>((resolve) => {
    for (const s of streams) {
      const decoder = new StringDecoder('utf8');
      s.on('data', (chunk: Buffer) => {
        capture.push(chunk);
        if (opts.onOutput) emit(opts.onOutput, decoder.write(chunk));
      });
      // End of file: no process holds the pipe's other end any more, none is to be looked for.
      s.once('end', () => held--);
      s.once('close', () => {
        if (opts.onOutput) emit(opts.onOutput, decoder.end());
        if (--open === 0) resolve();
      });
      // A destroyed or broken pipe only means the output ends there.
      s.on('error', () => {});
    }
  });
  child.on('error', () => {});
  // The shell's `exit`, not execa's promise: that one also waits for both pipes to close, which a
  // process left behind (`server &`) can hold off for ever; the exit is the moment to kill it.
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );

  const tree = new ProcessTree(pid, pipes, () => held > 0 && open > 0);
  const observer = setInterval(() => tree.observe(), OBSERVE_MS);
  let stopTimer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<'timeout' | 'cancel'>((resolve) => {
    if (Number.isFinite(opts.timeoutMs) && opts.timeoutMs > 0)
      stopTimer = setTimeout(() => resolve('timeout'), Math.min(opts.timeoutMs, 2 ** 31 - 1));
    onAbort = () => resolve('cancel');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });

  const first = await Promise.race([exited.then(() => 'exit' as const), stop]);
  clearInterval(observer);
  clearTimeout(stopTimer);
  if (onAbort) opts.signal?.removeEventListener('abort', onAbort);

  // The shell's exit is often seen just before the end of file of its pipes, which is already on
  // its way: one turn of the event loop reads it. A pipe still held after that means a process
  // kept it, and every descriptor on the machine is searched for it (the costly part of `kill`).
  if (held > 0 && first === 'exit') await new Promise((r) => setImmediate(r));
  const grace = opts.killGraceMs ?? DEFAULT_GRACE_MS;
  const killed = await tree.kill(grace);
  // Everything is dead: don't wait for a pipe some escaped process may still hold.
  await within(exited, DRAIN_MS);
  await within(closed, DRAIN_MS);
  for (const s of streams) s.destroy();

  return {
    command,
    pid,
    exitCode: exit?.code ?? null,
    signal: exit?.signal ?? null,
    timedOut: first === 'timeout',
    cancelled: first === 'cancel',
    durationMs: Math.round(performance.now() - t0),
    stragglers: first === 'exit' ? killed : 0,
    ...capture.result(),
  };
}

function cwdProblem(cwd: string): string | null {
  try {
    if (!statSync(cwd).isDirectory()) return `${cwd} is not a directory`;
    accessSync(cwd, constants.X_OK);
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `the working directory ${cwd} does not exist`;
    return `cannot enter the working directory ${cwd} (${code ?? (e as Error).message})`;
  }
}

/** A viewer that throws must not take the check (or the orchestrator) down with it. */
function emit(onOutput: (chunk: string) => void, text: string): void {
  if (text === '') return;
  try {
    onOutput(text);
  } catch {
    // Ignored on purpose.
  }
}

function within(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() =>
    clearTimeout(timer),
  );
}
