/**
 * `factory server start` with a describer that factory runs itself: two supervised servers, the
 * main model's and the describer's, each behind its own queue front on its own baseURL. Before
 * either starts, their memory is estimated and a start that plainly cannot fit is refused.
 */
import { refuse } from '../errors.js';
import type { DaemonConfig } from './daemon.js';
import { cleanStale, startServer, stopServer } from './lifecycle.js';
import { checkMemory, type MemoryVerdict } from './memory-check.js';
import { estimateMemory, freeMemory, type MemoryEstimate, type ModelToEstimate } from './model-memory.js';
import { pidAlive, readState, type ServerState } from './state.js';

export interface ServerToStart {
  /** "main" or "describer". */
  name: string;
  config: DaemonConfig;
  model: ModelToEstimate;
}

export interface StartedServer {
  name: string;
  state: ServerState;
  /** False when it already ran and was left as it was. */
  started: boolean;
  estimate: MemoryEstimate;
}

/** A live supervisor whose model server has not crashed (a crashed one is replaced by a start). */
function runs(state: ServerState | null): state is ServerState {
  return Boolean(
    state && pidAlive(state.daemonPid) && !(state.phase === 'ready' && !pidAlive(state.modelPid)),
  );
}

export async function startServers(opts: {
  servers: ServerToStart[];
  /** Start even when the estimate says they do not fit. */
  force: boolean;
  daemonCommand: string[];
  /** One line for the user: an estimate that could not be made, or a start forced past one. */
  notice: (line: string) => void;
}): Promise<{ servers: StartedServer[]; memory: MemoryVerdict }> {
  const found = await Promise.all(
    opts.servers.map(async (s) => {
      await cleanStale(s.config.home);
      const state = await readState(s.config.home);
      return { ...s, running: runs(state) ? state : null };
    }),
  );
  if (found.every((s) => s.running))
    throw refuse(
      `the factory servers are already running: ${found.map((s) => `${s.name} at ${s.config.baseURL} (pid ${s.running!.daemonPid}, model ${s.running!.model})`).join(', ')}`,
      'stop them first with `factory server stop`',
    );
  const estimates = await Promise.all(
    found.map(async (s) => s.running?.memory ?? (await estimateMemory(s.model))),
  );
  const verdict = checkMemory(
    found.map((s, i) => ({ name: s.name, estimate: estimates[i]!, running: Boolean(s.running) })),
    await freeMemory(),
  );
  if (verdict.kind === 'too-much' && !opts.force) throw refuse(verdict.line);
  if (verdict.kind === 'too-much')
    opts.notice(`note: starting anyway (--force): ${verdict.line.replace(/; use --force.*$/, '')}`);
  if (verdict.kind === 'unknown') opts.notice(`note: ${verdict.line}`);

  // Both load at once: the wait is the slower model's, not the sum of both.
  const results = await Promise.allSettled(
    found.map((s, i) =>
      s.running
        ? Promise.resolve(s.running)
        : startServer({ config: { ...s.config, memory: estimates[i]! }, daemonCommand: opts.daemonCommand }),
    ),
  );
  const failedAt = results.findIndex((r) => r.status === 'rejected');
  if (failedAt >= 0) {
    // Half a start is no start: what this command started is stopped again, what ran is left.
    for (const [i, r] of results.entries())
      if (r.status === 'fulfilled' && !found[i]!.running) {
        await stopServer(found[i]!.config.home, 2000);
        opts.notice(
          `note: the ${found[failedAt]!.name} server did not start, so the ${found[i]!.name} server was stopped again`,
        );
      }
    throw (results[failedAt] as PromiseRejectedResult).reason;
  }
  return {
    servers: found.map((s, i) => ({
      name: s.name,
      state: (results[i] as PromiseFulfilledResult<ServerState>).value,
      started: !s.running,
      estimate: estimates[i]!,
    })),
    memory: verdict,
  };
}
