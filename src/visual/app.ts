/**
 * Starts a task's app for the visual check and waits until it answers.
 *
 * The start command runs through the check's own executor (`runCheck`): `sh -c` as the leader of
 * a new session and process group, a scrubbed environment, stdin from /dev/null, output captured,
 * and on stop the whole tree killed (group, session, descendants, the bwrap PID namespace) and
 * waited for. The one difference from the check: the OS sandbox plan has the network on. The
 * browser runs outside the sandbox and must reach the app's port, and bwrap's network namespace
 * (`--unshare-net`) would give the app a loopback of its own, invisible from the host. Everything
 * else of the sandbox stays: read-only everywhere but the worktree and a private /tmp, a private
 * $HOME, its own PID namespace, --die-with-parent.
 */
import http from 'node:http';
import https from 'node:https';
import { runCheck, type RunCheckResult } from '../agent/executor.js';
import type { SandboxPlan } from '../agent/os-sandbox/index.js';
import { FactoryError } from '../errors.js';
import { withPort } from './ports.js';

export interface StartAppOptions {
  /** The start command; `{port}` in it is replaced by `port` (already replaced is fine too). */
  command: string;
  /** The task's worktree. */
  cwd: string;
  /** The task's port (ports.ts), also given to the command as $PORT. */
  port: number;
  /** Polled with GET until it answers with a status below 500. */
  readyUrl: string;
  /** The page the browser opens, returned as `url`; default: readyUrl. */
  url?: string;
  readyTimeoutMs: number;
  /** The check's sandbox plan; the app gets it with the network on. Absent: unsandboxed. */
  sandbox?: SandboxPlan;
  /** Aborting stops the app, while it starts or later. */
  signal?: AbortSignal;
  /** The environment to scrub, as for the check. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Called with the shell's pid (its process group) as soon as it exists, for crash recovery. */
  onSpawn?: (pid: number) => void;
  /** Time between SIGTERM and SIGKILL when stopping. Default 1 s. */
  killGraceMs?: number;
}

export interface RunningApp {
  url: string;
  /** Kills the app's whole process tree and resolves once it is gone. Idempotent. */
  stop(): Promise<void>;
  /** The app's output so far (the last OUTPUT_KEPT characters). */
  output(): string;
}

/** Why an app did not get ready; `output` is the tail of what it printed. */
export class AppStartError extends FactoryError {
  constructor(
    message: string,
    readonly reason: 'exited' | 'timeout' | 'cancelled',
    readonly output: string,
  ) {
    super(output ? `${message}\n${output}` : message);
    this.name = 'AppStartError';
  }
}

/** Characters of the app's output kept for `output()`. */
const OUTPUT_KEPT = 64 * 1024;
/** Lines and characters of the output an error shows. */
const TAIL_LINES = 30;
const TAIL_CHARS = 4000;
/** A probe that gets no answer within this is abandoned and tried again. */
const PROBE_TIMEOUT_MS = 5000;
/** Pauses between probes grow from the first to the last, so a slow start costs few requests. */
const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 500;

/** The end of `text`: at most TAIL_LINES lines and TAIL_CHARS characters. */
export function outputTail(text: string): string {
  const lines = text.trimEnd().split('\n');
  const tail = lines.slice(-TAIL_LINES).join('\n');
  return tail.length > TAIL_CHARS ? `…${tail.slice(-TAIL_CHARS)}` : tail;
}

/**
 * Starts `command` in `cwd` and resolves once `readyUrl` answers. Rejects with an AppStartError,
 * with nothing left running, when the command exits first, the time runs out or `signal` aborts.
 */
export async function startApp(opts: StartAppOptions): Promise<RunningApp> {
  if (opts.signal?.aborted) throw new AppStartError('the app was not started: cancelled', 'cancelled', '');
  const command = withPort(opts.command, opts.port);
  const ctrl = new AbortController();
  let output = '';
  let ended: RunCheckResult | undefined;
  const run = runCheck(command, {
    cwd: opts.cwd,
    // No limit of its own: the app runs until stop(); the ready wait has its own deadline.
    timeoutMs: 0,
    signal: ctrl.signal,
    env: { ...(opts.env ?? process.env), PORT: String(opts.port) },
    ...(opts.sandbox ? { sandbox: { ...opts.sandbox, network: true } } : {}),
    ...(opts.onSpawn ? { onSpawn: opts.onSpawn } : {}),
    ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
    onOutput: (chunk) => {
      output = (output + chunk).slice(-OUTPUT_KEPT);
    },
  }).then((r) => (ended = r));
  const onAbort = () => ctrl.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const stop = async () => {
    opts.signal?.removeEventListener('abort', onAbort);
    ctrl.abort();
    await run;
  };

  const fail = async (message: string, reason: AppStartError['reason']): Promise<never> => {
    await stop();
    // The executor's own output also holds what the sandbox blocked (its notes), if anything.
    const text = ended?.output && ended.output.length >= output.length ? ended.output : output;
    throw new AppStartError(message, reason, outputTail(text));
  };

  const deadline = Date.now() + opts.readyTimeoutMs;
  let pause = FIRST_PAUSE_MS;
  while (true) {
    if (ctrl.signal.aborted) return fail(`the app's start was cancelled: ${command}`, 'cancelled');
    if (ended)
      return fail(
        `the app's start command exited (${exitWords(ended)}) before ${opts.readyUrl} answered: ${command}`,
        'exited',
      );
    const left = deadline - Date.now();
    if (left <= 0)
      return fail(
        `the app did not answer on ${opts.readyUrl} within ${Math.round(opts.readyTimeoutMs / 1000)} s ` +
          `(visual.readyTimeout): ${command}`,
        'timeout',
      );
    if (await answers(opts.readyUrl, Math.min(left, PROBE_TIMEOUT_MS), ctrl.signal)) {
      // It may have answered and died in the same moment: only a live app counts.
      if (!ended) break;
      continue;
    }
    await Promise.race([run, sleep(Math.min(pause, Math.max(0, deadline - Date.now())), ctrl.signal)]);
    pause = Math.min(pause * 2, MAX_PAUSE_MS);
  }
  return { url: opts.url ?? opts.readyUrl, stop, output: () => output };
}

function exitWords(r: RunCheckResult): string {
  if (r.exitCode === null) return r.signal ? `killed by ${r.signal}` : 'did not run';
  return `exit code ${r.exitCode}`;
}

/** One GET: true for any status below 500; false for 5xx, a refused or dropped connection, a timeout. */
function answers(url: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    // A dev server's certificate is usually self-signed; this only asks whether it is up.
    const req = get(url, { timeout: timeoutMs, signal, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
