import { chat, type ChatOptions } from './client.js';
import { RequestQueue } from './queue.js';
import { probeFront, startServer } from './lifecycle.js';
import { isLoopback } from './server-command.js';
import { daemonConfigFor } from './daemon.js';
import type { ChatRequest, ChatResponse, EndpointConfig } from './types.js';
import { plural } from '../plural.js';
import { flavorFromCommand } from './server-flavor.js';

/** How this process reaches the model: through the shared front, or with its own queue. */
export interface Inference {
  mode: 'front' | 'in-process';
  queue: RequestQueue;
  /** One line for the user about how requests are routed. */
  note: string;
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

function inProcessQueue(s: ServerSettings): RequestQueue {
  const endpoints: EndpointConfig[] = [
    { baseURL: s.baseURL, apiKey: s.apiKey, model: s.model, concurrency: s.concurrency },
    ...s.endpoints.map((e) => ({
      baseURL: e.baseURL,
      apiKey: s.apiKey,
      model: s.model,
      concurrency: e.concurrency ?? s.concurrency,
    })),
  ];
  return new RequestQueue(endpoints);
}

function frontQueue(s: ServerSettings): RequestQueue {
  // The front does the queueing and the retries; this side only routes and cancels.
  // Named in messages before any answer has shown what the server is (a refused connection).
  const flavor = flavorFromCommand(s.command);
  const endpoint = { baseURL: s.baseURL, apiKey: s.apiKey, model: s.model, concurrency: 64, flavor };
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
  if (await probeFront(s.baseURL)) {
    return { mode: 'front', queue: frontQueue(s), note: `using the factory server at ${s.baseURL}` };
  }
  if (!opts.noServer && s.command && isLoopback(s.baseURL)) {
    const config = daemonConfigFor(
      { ...s, command: s.command },
      { startedBy: 'auto', readyTimeoutMs: opts.readyTimeoutMs ?? 600_000, stateDir: opts.stateDir },
    );
    await startServer({ config, daemonCommand: opts.daemonCommand });
    return {
      mode: 'front',
      queue: frontQueue(s),
      note:
        s.idleShutdown > 0
          ? `started the model server (${s.model}); it stops after ${plural(s.idleShutdown, 'idle minute')}`
          : `started the model server (${s.model}); it runs until \`factory server stop\``,
    };
  }
  return {
    mode: 'in-process',
    queue: inProcessQueue(s),
    note: `no factory server at ${s.baseURL}; using an in-process queue (other factory processes will not share it)`,
  };
}

/** One chat request of one task, through the queue. */
export function queuedChat(
  inf: Inference,
  task: string,
  req: ChatRequest,
  opts: Omit<ChatOptions, 'signal' | 'task'> & { signal?: AbortSignal } = {},
): Promise<ChatResponse> {
  return inf.queue.run(task, (endpoint, signal) => chat(endpoint, req, { ...opts, signal, task }), {
    signal: opts.signal,
    usageOf: (r) => r.usage,
  });
}
