import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chat } from './client.js';
import { freePort } from './free-port.js';
import { startFront, type Front } from './front.js';
import { newFrontToken } from './front-token.js';
import { RequestQueue } from './queue.js';
import { learnSlots } from './server-slots.js';
import { expandCommand } from './server-command.js';
import { ModelProcess, RestartPolicy } from './model-process.js';
import { describeServer, type ServerFlavor } from './errors.js';
import { downHint, flavorFromCommand, probeFlavor } from './server-flavor.js';
import { logFile, readState, removeState, serverHome, writeState, type ServerState } from './state.js';
import type { EndpointConfig } from './types.js';
import type { MemoryEstimate } from './model-memory.js';

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
  /** The memory estimate made before the start, kept in the state for `server status`. */
  memory?: MemoryEstimate;
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
    ...(cfg.memory ? { memory: cfg.memory } : {}),
  };
  await writeState(state, cfg.home);

  let front: Front | null = null;
  let stopping = false;
  const modelProcess = new ModelProcess(command, log);
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const current = await readState(cfg.home);
    if (current?.daemonPid === process.pid) await writeState({ ...current, phase: 'stopping' }, cfg.home);
    await front?.close().catch(() => undefined);
    await modelProcess.stop(5000);
    await modelProcess.reap(1000);
    const still = await readState(cfg.home);
    if (still?.daemonPid === process.pid) await removeState(cfg.home);
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  /** Records a change of the model server in the state file, unless another supervisor owns it now. */
  const update = async (change: Partial<ServerState>) => {
    if (stopping) return;
    const current = await readState(cfg.home);
    if (current?.daemonPid === process.pid) await writeState({ ...current, ...change }, cfg.home);
  };
  // Until it is ready, an exit only ends the wait for readiness (which reads exitNote); the
  // failed state is written once, below, so no late write can hide it.
  let onModelExit: (note: string) => void = () => undefined;
  modelProcess.onExit((note) => onModelExit(note));
  state.modelPid = modelProcess.start();
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
  let flavor: ServerFlavor = flavorFromCommand(command) ?? 'generic';
  const health = { up: false, restarts: 0, error: null as string | null };
  try {
    await waitReady(model, Date.now() + cfg.readyTimeoutMs, () => modelProcess.exitNote);
    if (flavor === 'generic') flavor = await probeFlavor(model.baseURL);
    model.flavor = flavor;
    health.up = true;
    // llama-server says how many slots it has: use them all, each task on its own.
    Object.assign(model, await learnSlots(model));
    const queue = new RequestQueue([model, ...pooled]);
    front = await startFront({
      host,
      port: frontPort,
      queue,
      token: state.token!,
      flavor: () => flavor,
      status: () => ({
        model: cfg.model,
        startedAt: state.startedAt,
        startedBy: cfg.startedBy,
        modelServer: {
          pid: modelProcess.pid,
          alive: modelProcess.pid !== null,
          up: health.up,
          flavor,
          restarts: health.restarts,
          baseURL: model.baseURL,
          error: health.error,
        },
      }),
    });
    await writeState({ ...state, phase: 'ready', flavor }, cfg.home);
    if (cfg.startedBy === 'auto' && cfg.idleShutdown > 0)
      watchIdle(queue, cfg.idleShutdown * 60_000, () => stop(0));
    const ready = front;
    // One policy for the supervisor's life: its limit counts every death, not each one afresh.
    const policy = new RestartPolicy();
    onModelExit = (note) =>
      void restartModel(note, {
        front: ready,
        model,
        process: modelProcess,
        policy,
        flavor,
        // With other endpoints pooled, the queue serves from them meanwhile.
        all: pooled.length === 0,
        readyTimeoutMs: cfg.readyTimeoutMs,
        stopping: () => stopping,
        health,
        update,
      });
    // It may have died while the front was starting, before anyone listened.
    if (modelProcess.pid === null && modelProcess.exitNote) onModelExit(modelProcess.exitNote);
  } catch (e) {
    const exited = modelProcess.exitNote?.startsWith('exited');
    const message = exited
      ? `${describeServer(model.baseURL, flavor)} ${modelProcess.exitNote}`
      : (e as Error).message;
    stopping = true;
    await writeState({ ...state, phase: 'failed', error: message, flavor }, cfg.home);
    await front?.close().catch(() => undefined);
    await modelProcess.stop(2000);
    await modelProcess.reap(1000);
    process.exit(1);
  }
}

interface Recovery {
  front: Front;
  model: EndpointConfig;
  process: ModelProcess;
  policy: RestartPolicy;
  flavor: ServerFlavor;
  all: boolean;
  readyTimeoutMs: number;
  stopping: () => boolean;
  health: { up: boolean; restarts: number; error: string | null };
  update: (change: Partial<ServerState>) => Promise<void>;
}

let recovering = false;

/**
 * The model server died after it had been ready: fail what it was serving (and what waits for
 * it), restart it with a backoff until it answers again, and give up after the policy's limit.
 * The front answers every request meanwhile with "down", so nothing hangs on it.
 */
async function restartModel(note: string, r: Recovery): Promise<void> {
  // Deaths while restarting are seen by the readiness wait itself.
  if (recovering || r.stopping()) return;
  recovering = true;
  const name = describeServer(r.model.baseURL, r.flavor);
  let why = note;
  let recovered = false;
  try {
    for (;;) {
      r.health.up = false;
      const next = r.policy.next(Date.now());
      if (!next) {
        const message = `${name} ${why}, and factory stopped restarting it after ${r.policy.limit} restarts in ${Math.round(r.policy.windowMs / 60_000)} minutes`;
        r.health.error = message;
        r.front.modelDown(
          r.model.baseURL,
          { message, hint: `${downHint(r.flavor)}; then \`factory server start\`` },
          r.all,
        );
        await r.process.reap(1000);
        await r.update({ modelPid: null, error: message });
        return;
      }
      const message = `${name} ${why}; factory is restarting it (restart ${next.attempt} of ${r.policy.limit})`;
      r.health.error = message;
      r.health.restarts++;
      r.front.modelDown(
        r.model.baseURL,
        { message, hint: `try again in a moment; ${downHint(r.flavor, 'crash')}` },
        r.all,
      );
      await r.update({ modelPid: null, error: message });
      await r.process.reap(1000);
      await sleep(next.delayMs);
      if (r.stopping()) return;
      const pid = r.process.start();
      await r.update({ modelPid: pid });
      try {
        await waitReady(r.model, Date.now() + r.readyTimeoutMs, () => r.process.exitNote);
        break;
      } catch (e) {
        why = r.process.exitNote ?? `did not become ready again (${(e as Error).message})`;
        await r.process.stop(2000);
      }
    }
    r.health.up = true;
    r.health.error = null;
    r.front.modelUp();
    await r.update({ modelPid: r.process.pid, error: undefined });
    recovered = true;
  } finally {
    recovering = false;
  }
  // A death after the readiness wait but before `recovering` was cleared found it set and was
  // dropped: that model server would never be restarted. Seen under load in front-recovery.
  const died = r.process.pid === null ? r.process.exitNote : null;
  if (recovered && died && !r.stopping()) await restartModel(died, r);
}

/** Stops an auto-started server after `idleMs` with nothing waiting or running. */
function watchIdle(queue: RequestQueue, idleMs: number, stop: () => void): void {
  const every = Math.min(1000, Math.max(50, idleMs / 4));
  setInterval(() => {
    if (!queue.busy && Date.now() - queue.lastActivityAt >= idleMs) stop();
  }, every);
}
