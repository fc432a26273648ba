import { open } from 'node:fs/promises';
import { execa } from 'execa';
import { FactoryError, refuse } from '../errors.js';
import { outputFd } from '../output-fd.js';
import { killGroup } from './process-group.js';
import { logFile, pidAlive, privateHome, readState, removeState, type ServerState } from './state.js';
import type { DaemonConfig } from './daemon.js';
import { logSince, logSize, meaningfulLines } from './log-tail.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a queue front said when asked for its status. */
export type FrontAnswer =
  | { kind: 'status'; status: Record<string, unknown> }
  /** A factory server answers there but refused this client (no or wrong token): why. */
  | { kind: 'refused'; status: number; reason: string };

/**
 * Asks a queue front for its status, showing `token` (from the server's state file) when there
 * is one; null when no front answers at that URL.
 */
export async function askFront(
  baseURL: string,
  opts: { token?: string; timeoutMs?: number } = {},
): Promise<FrontAnswer | null> {
  try {
    const res = await fetch(new URL('/factory/status', baseURL), {
      signal: AbortSignal.timeout(opts.timeoutMs ?? 500),
      headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
    });
    const data = (await res.json()) as Record<string, unknown>;
    if (!data || typeof data !== 'object') return null;
    const error = data.error as { type?: unknown; message?: unknown } | undefined;
    if (!res.ok && error?.type === 'factory_front_refused')
      return { kind: 'refused', status: res.status, reason: String(error.message) };
    return res.ok && 'queue' in data ? { kind: 'status', status: data } : null;
  } catch {
    return null;
  }
}

/** A queue front's status, or null when none answers at that URL or it refuses this client. */
export async function probeFront(
  baseURL: string,
  timeoutMs = 500,
  token?: string,
): Promise<Record<string, unknown> | null> {
  const answer = await askFront(baseURL, { token, timeoutMs });
  return answer?.kind === 'status' ? answer.status : null;
}

/**
 * Removes the state of a server whose supervisor is dead, killing a model server it may have
 * left behind. Returns the state it cleaned, if any.
 */
export async function cleanStale(home: string): Promise<ServerState | null> {
  const state = await readState(home);
  if (!state || pidAlive(state.daemonPid)) return null;
  if (state.modelPid) await killGroup(state.modelPid, 2000);
  await removeState(home);
  return state;
}

export interface StartOptions {
  config: DaemonConfig;
  /** argv that runs the hidden `server __daemon` command of this same installation. */
  daemonCommand: string[];
}

/**
 * Starts the supervisor in the background and waits until it reports ready or failed. Refuses
 * when a server for the same baseURL is already running (servers for other URLs are not its
 * business); cleans up after one that died.
 */
export async function startServer(opts: StartOptions): Promise<ServerState> {
  const dir = opts.config.home;
  // The folder holds the token the front will require: only this user may enter it.
  await privateHome(dir);
  await cleanStale(dir);
  const before = await readState(dir);
  // A supervisor whose model server crashed is replaced, not kept: that is the recovery.
  if (before && before.phase === 'ready' && !pidAlive(before.modelPid)) await stopServer(dir, 2000);
  const running = await readState(dir);
  if (running)
    throw refuse(
      `a factory server is already running at ${opts.config.baseURL} (pid ${running.daemonPid}, model ${running.model}, since ${running.startedAt})`,
      'stop it first with `factory server stop`, or give this repository another server.baseURL',
    );
  // The log is shared by every start: a failure quotes only what this start wrote.
  const logStart = await logSize(logFile(dir));
  const log = await open(logFile(dir), 'a');
  const [program, ...args] = opts.daemonCommand;
  // The supervisor outlives this command: detached (its own session, no terminal signals), never
  // ended by execa when this process exits, not keeping it alive, its output straight into the log.
  const child = execa(program!, [...args, JSON.stringify(opts.config)], {
    detached: true,
    cleanup: false,
    stdin: 'ignore',
    stdout: outputFd(log.fd),
    stderr: outputFd(log.fd),
    buffer: false,
    reject: false,
    env: process.env,
    extendEnv: false,
  });
  child.unref();
  await log.close();
  const deadline = Date.now() + opts.config.readyTimeoutMs + 10_000;
  while (Date.now() < deadline) {
    const state = await readState(dir);
    if (state && state.daemonPid === child.pid) {
      if (state.phase === 'ready') return state;
      if (state.phase === 'failed') {
        await waitGone(state.daemonPid, 5000);
        await removeState(dir);
        const error = state.error ?? 'unknown error';
        const notInstalled = /not installed/.test(error);
        // Its own last words (llama-server's "failed to load model") say more than its exit code.
        const lines = notInstalled ? [] : meaningfulLines(await logSince(state.logFile, logStart));
        const tail =
          lines.length > 0 ? `; its log ends with:\n${lines.map((l) => `    ${l}`).join('\n')}\n` : '';
        throw new FactoryError(`the model server did not start: ${error}${tail}`, {
          exitCode: notInstalled ? 2 : 1,
          hint: notInstalled ? undefined : `the whole log is ${state.logFile}`,
        });
      }
    }
    if (!pidAlive(child.pid)) {
      const state2 = await readState(dir);
      if (state2 && state2.daemonPid === child.pid && state2.phase === 'failed') continue;
      throw new FactoryError('the factory server exited during start-up', { hint: `see ${logFile(dir)}` });
    }
    await sleep(50);
  }
  if (child.pid) process.kill(child.pid, 'SIGTERM');
  throw new FactoryError('the factory server did not become ready in time', { hint: `see ${logFile(dir)}` });
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return true;
    await sleep(25);
  }
  return !pidAlive(pid);
}

/**
 * Stops the supervisor and the model server of one server folder (see serverHome): SIGTERM, then
 * SIGKILL after the grace period.
 */
export async function stopServer(dir: string, graceMs = 5000): Promise<ServerState | null> {
  const state = await readState(dir);
  if (!state) return null;
  if (pidAlive(state.daemonPid)) {
    try {
      process.kill(state.daemonPid, 'SIGTERM');
    } catch {
      // Gone in between.
    }
    if (!(await waitGone(state.daemonPid, graceMs + 2000))) await killGroup(state.daemonPid, 0);
  }
  if (state.modelPid) await killGroup(state.modelPid, graceMs);
  await removeState(dir);
  return state;
}
