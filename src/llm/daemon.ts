import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chat } from './client.js';
import { freePort } from './free-port.js';
import { startFront, type Front } from './front.js';
import { newFrontToken } from './front-token.js';
import { RequestQueue } from './queue.js';
import { learnSlots } from './server-slots.js';
import { killGroup } from './process-group.js';
import { spawnGroup } from './spawn-group.js';
import { expandCommand, missingBinary } from './server-command.js';
import { logFile, readState, removeState, serverHome, writeState, type ServerState } from './state.js';
import type { EndpointConfig } from './types.js';

/** What the supervisor needs, resolved by whoever starts it (the CLI passes it as JSON). */
export interface DaemonConfig {
  baseURL: string;
  model: string;
  apiKey: string;
  command: string[];
  concurrency: number;
  endpoints: { baseURL: string; concurrency?: number }[];
  startedBy: 'user' | 'auto';
  /** Minutes; 0 = never stop by itself. */
  idleShutdown: number;
  /** How long the model may take to load before start gives up (ms). */
  readyTimeoutMs: number;
  /** This server's own folder (state file and log): one per baseURL, see serverHome. */
  home: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits for real readiness: some servers (mlx-lm >= 0.31.3) answer /health before the model is
 * loaded, so only a 1-token completion proves the server can serve.
 */
async function waitReady(
  endpoint: EndpointConfig,
  deadline: number,
  exited: () => string | null,
): Promise<void> {
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const gone = exited();
    if (gone) throw new Error(gone);
    try {
      await chat(
        endpoint,
        { messages: [{ role: 'user', content: 'ping' }], maxTokens: 1 },
        {
          stream: false,
          timeoutMs: Math.max(1000, Math.min(30_000, deadline - Date.now())),
          task: 'factory-readiness',
        },
      );
      return;
    } catch (e) {
      last = (e as Error).message;
      const retryable = (e as { retryable?: boolean }).retryable !== false;
      if (!retryable) throw e;
    }
    await sleep(200);
  }
  throw new Error(
    `the model server was not ready within ${Math.round((deadline - Date.now()) / 1000 + 0)}s: ${last}`,
  );
}

/** The supervisor's settings from the server configuration. */
export function daemonConfigFor(
  s: {
    baseURL: string;
    model: string;
    apiKey: string;
    command: string[];
    concurrency: number;
    endpoints: { baseURL: string; concurrency?: number }[];
    idleShutdown: number;
  },
  how: { startedBy: 'user' | 'auto'; readyTimeoutMs: number; stateDir: string },
): DaemonConfig {
  const { stateDir, ...rest } = how;
  return {
    baseURL: s.baseURL,
    model: s.model,
    apiKey: s.apiKey,
    command: s.command,
    concurrency: s.concurrency,
    endpoints: s.endpoints,
    idleShutdown: s.idleShutdown,
    ...rest,
    home: serverHome(s.baseURL, stateDir),
  };
}

/** Runs the supervisor until stopped: model server, readiness, queue front, idle shutdown. */
export async function runDaemon(cfg: DaemonConfig): Promise<void> {
  const url = new URL(cfg.baseURL);
  const host = url.hostname;
  const frontPort = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const log = logFile(cfg.home);
  await mkdir(path.dirname(log), { recursive: true });
  const modelPort = await freePort(host);
  const command = expandCommand(cfg.command, { model: cfg.model, host, port: modelPort });
  const state: ServerState = {
    baseURL: cfg.baseURL,
    daemonPid: process.pid,
    modelPid: null,
    host,
    frontPort,
    modelPort,
    model: cfg.model,
    command,
    startedAt: new Date().toISOString(),
    startedBy: cfg.startedBy,
    idleShutdown: cfg.idleShutdown,
    logFile: log,
    phase: 'starting',
    // Made here, never passed in: a command line or environment is visible to other users.
    token: newFrontToken(),
  };
  await writeState(state, cfg.home);

  let front: Front | null = null;
  let stopping = false;
  let exitNote: string | null = null;
  const child = spawnGroup(command, { log });
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const current = await readState(cfg.home);
    if (current?.daemonPid === process.pid) await writeState({ ...current, phase: 'stopping' }, cfg.home);
    await front?.close().catch(() => undefined);
    if (child.pid) await killGroup(child.pid, 5000);
    const still = await readState(cfg.home);
    if (still?.daemonPid === process.pid) await removeState(cfg.home);
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  child.on('error', async (e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') {
      const err = missingBinary(command[0]!);
      exitNote = `${err.message} — ${err.hint}`;
    } else exitNote = `cannot start the model server: ${e.message}`;
  });
  child.on('exit', async (code, signal) => {
    exitNote ??= `the model server exited (${signal ?? `code ${code}`}); see ${log}`;
    if (stopping) return;
    const current = await readState(cfg.home);
    if (current?.daemonPid === process.pid)
      await writeState({ ...current, modelPid: null, error: exitNote }, cfg.home);
  });
  state.modelPid = child.pid ?? null;
  await writeState(state, cfg.home);

  const model: EndpointConfig = {
    baseURL: `http://${host.includes(':') ? `[${host}]` : host}:${modelPort}/v1`,
    apiKey: cfg.apiKey,
    model: cfg.model,
    concurrency: cfg.concurrency,
  };
  const pooled: EndpointConfig[] = cfg.endpoints.map((e) => ({
    baseURL: e.baseURL,
    apiKey: cfg.apiKey,
    model: cfg.model,
    concurrency: e.concurrency ?? cfg.concurrency,
  }));
  try {
    await waitReady(model, Date.now() + cfg.readyTimeoutMs, () => exitNote);
    // llama-server says how many slots it has: use them all, each task on its own.
    Object.assign(model, await learnSlots(model));
    const queue = new RequestQueue([model, ...pooled]);
    front = await startFront({
      host,
      port: frontPort,
      queue,
      token: state.token!,
      status: () => ({
        model: cfg.model,
        startedAt: state.startedAt,
        startedBy: cfg.startedBy,
        modelServer: { pid: child.pid, alive: exitNote === null, baseURL: model.baseURL, error: exitNote },
      }),
    });
    await writeState({ ...state, phase: 'ready' }, cfg.home);
    if (cfg.startedBy === 'auto' && cfg.idleShutdown > 0)
      watchIdle(queue, cfg.idleShutdown * 60_000, () => stop(0));
  } catch (e) {
    const message = (e as Error).message;
    await writeState({ ...state, phase: 'failed', error: message }, cfg.home);
    stopping = true;
    await front?.close().catch(() => undefined);
    if (child.pid) await killGroup(child.pid, 2000);
    process.exit(1);
  }
}

/** Stops an auto-started server after `idleMs` with nothing waiting or running. */
function watchIdle(queue: RequestQueue, idleMs: number, stop: () => void): void {
  const every = Math.min(1000, Math.max(50, idleMs / 4));
  setInterval(() => {
    if (!queue.busy && Date.now() - queue.lastActivityAt >= idleMs) stop();
  }, every);
}
