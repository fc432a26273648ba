import { chat, type ChatOptions } from './client.js';
import { RequestQueue } from './queue.js';
import { askFront, startServer } from './lifecycle.js';
import { pidAlive, readState, serverHome } from './state.js';
import { FactoryError } from '../errors.js';
import { isLoopback } from './server-command.js';
import { daemonConfigFor } from './daemon.js';
import { learnSlots } from './server-slots.js';
import { waitingAtFront } from './front-waiting.js';
import type { ChatRequest, ChatResponse, EndpointConfig } from './types.js';
import { plural } from '../plural.js';
import { flavorFromCommand } from './server-flavor.js';

/** How this process reaches the model: through the shared front, or with its own queue. */
export interface Inference {
  mode: 'front' | 'in-process';
  queue: RequestQueue;
  /** One line for the user about how requests are routed. */
  note: string;
  /** The front's token ('front' mode with a factory server that requires one), for its status. */
  token?: string;
  /** The queue front's URL, in 'front' mode. */
  frontURL?: string;
}

export interface ServerSettings {
  baseURL: string;
  model: string;
  apiKey: string;
  command: string[] | null;
  concurrency: number;
  idleShutdown: number;
  endpoints: { baseURL: string; concurrency?: number }[];
}

export interface ConnectOptions {
  /** `--no-server`: never start a model server. */
  noServer?: boolean;
  daemonCommand: string[];
  stateDir: string;
  readyTimeoutMs?: number;
  warn?: (line: string) => void;
}

/** Endpoints that are not on this machine: the user is told their code will leave it. */
export function remoteEndpoints(s: ServerSettings): string[] {
  return [s.baseURL, ...s.endpoints.map((e) => e.baseURL)].filter((u) => !isLoopback(u));
}

function inProcessQueue(s: ServerSettings, learned?: Partial<EndpointConfig>): RequestQueue {
  const endpoints: EndpointConfig[] = [
    { baseURL: s.baseURL, apiKey: s.apiKey, model: s.model, concurrency: s.concurrency, ...learned },
    ...s.endpoints.map((e) => ({
      baseURL: e.baseURL,
      apiKey: s.apiKey,
      model: s.model,
      concurrency: e.concurrency ?? s.concurrency,
    })),
  ];
  return new RequestQueue(endpoints);
}

function frontQueue(s: ServerSettings, token: string | undefined): RequestQueue {
  // The front does the queueing and the retries; this side only routes and cancels. It shows the
  // front's token where a model server would get its key (the front sends the key on).
  // Named in messages before any answer has shown what the server is (a refused connection).
  const flavor = flavorFromCommand(s.command);
  const apiKey = token ?? s.apiKey;
  const endpoint = { baseURL: s.baseURL, apiKey, model: s.model, concurrency: 64, flavor };
  return new RequestQueue([endpoint], {
    retries: 0,
  });
}

/**
 * Finds the shared queue front, starting the model server behind it when allowed; otherwise
 * falls back to an in-process queue, and says so.
 */
export async function connectInference(s: ServerSettings, opts: ConnectOptions): Promise<Inference> {
  for (const url of remoteEndpoints(s))
    opts.warn?.(`warning: ${url} is not on this machine; your code will be sent to it`);
  // A factory server's token is in its state file; a server that is not factory's has none.
  const state = await readState(serverHome(s.baseURL, opts.stateDir));
  const token = state?.token;
  // The front of a server that runs may be slow to answer on a busy machine: give it time rather
  // than try to start a second one.
  const answer = await askFront(s.baseURL, { token, timeoutMs: pidAlive(state?.daemonPid) ? 5000 : 500 });
  if (answer?.kind === 'status') {
    return {
      mode: 'front',
      queue: frontQueue(s, token),
      token,
      frontURL: s.baseURL,
      note: `using the factory server at ${s.baseURL}`,
    };
  }
  if (answer?.kind === 'refused')
    throw new FactoryError(`the factory server at ${s.baseURL} refused this process (${answer.reason})`, {
      hint: `it was started by another user, or with another state folder than ${opts.stateDir} (FACTORY_STATE_DIR); use that folder, or give this repository another server.baseURL`,
    });
  if (!opts.noServer && s.command && isLoopback(s.baseURL)) {
    const config = daemonConfigFor(
      { ...s, command: s.command },
      { startedBy: 'auto', readyTimeoutMs: opts.readyTimeoutMs ?? 600_000, stateDir: opts.stateDir },
    );
    const started = await startServer({ config, daemonCommand: opts.daemonCommand });
    return {
      mode: 'front',
      queue: frontQueue(s, started.token),
      token: started.token,
      frontURL: s.baseURL,
      note:
        s.idleShutdown > 0
          ? `started the model server (${s.model}); it stops after ${plural(s.idleShutdown, 'idle minute')}`
          : `started the model server (${s.model}); it runs until \`factory server stop\``,
    };
  }
  return {
    mode: 'in-process',
    // llama-server says how many slots it has: use them all, each task on its own.
    queue: inProcessQueue(s, isLoopback(s.baseURL) ? await learnSlots(s) : undefined),
    note: `no factory server at ${s.baseURL}; using an in-process queue (other factory processes will not share it)`,
  };
}

/** One chat request of one task, through the queue. */
export function queuedChat(
  inf: Inference,
  task: string,
  req: ChatRequest,
  opts: Omit<ChatOptions, 'signal' | 'task'> & {
    signal?: AbortSignal;
    /**
     * Where the request goes once it has its turn, instead of the queue's endpoint: another model
     * or another server (the visual check's describer). It still waits its turn with the tasks.
     */
    route?: (endpoint: EndpointConfig) => EndpointConfig;
  } = {},
): Promise<ChatResponse> {
  const { route, ...chatOpts } = opts;
  // Waiting in the front's queue behind other tasks does not count against the first token.
  const front = inf.mode === 'front' ? inf.frontURL : undefined;
  const stillQueued = front ? () => waitingAtFront(front, task, inf.token) : undefined;
  const askedAt = performance.now();
  let sentAt = askedAt;
  return inf.queue.run(
    task,
    async (endpoint, signal) => {
      sentAt = performance.now();
      const target = route ? route(endpoint) : endpoint;
      // Another server than the front: the front's queue says nothing about this request.
      const waiting = target.baseURL === endpoint.baseURL ? stillQueued : undefined;
      const r = await chat(target, req, { stillQueued: waiting, ...chatOpts, signal, task });
      // The wait for a turn in this process's queue (retries included) is no model time.
      return r.timing ? { ...r, timing: { ...r.timing, queuedMs: Math.round(sentAt - askedAt) } } : r;
    },
    {
      signal: opts.signal,
      usageOf: (r) => r.usage,
      // A tool round comes right after an answer with tool calls: its prefix is worth keeping warm.
      followUp: (r) => r.toolCalls.length > 0,
    },
  );
}
