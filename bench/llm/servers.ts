import { startFront, type Front } from '../../src/llm/front.js';
import { newFrontToken } from '../../src/llm/front-token.js';
import { RequestQueue } from '../../src/llm/queue.js';
import type { EndpointConfig } from '../../src/llm/types.js';
import { startScriptedServer, type Latency, type Script } from '../../src/scripted-server/index.js';
import type { ScriptedServer } from '../../src/scripted-server/index.js';

export const MODEL = 'scripted-model';

export const endpointAt = (baseURL: string, concurrency = 1): EndpointConfig => ({
  baseURL,
  apiKey: 'local',
  model: MODEL,
  concurrency,
});

/** A scripted server, and the queue front in front of it with a queue of concurrency 1. */
export interface Stack {
  server: ScriptedServer;
  front: Front;
  /** The front's own queue, for its metrics. */
  frontQueue: RequestQueue;
  /** What a client uses to talk to the server straight, or through the front. */
  direct: EndpointConfig;
  viaFront: EndpointConfig;
  close(): Promise<void>;
}

/** mlx_lm.server's dialect: the default server, keepalive comments and all. */
export async function startStack(script: Script, latency?: Latency): Promise<Stack> {
  const server = await startScriptedServer({ script, dialect: 'mlx', model: MODEL, latency });
  const direct = endpointAt(server.baseURL);
  const frontQueue = new RequestQueue([direct]);
  let front: Front;
  // The front takes only clients that show its token, as `factory server start` makes it.
  const token = newFrontToken();
  try {
    front = await startFront({ host: '127.0.0.1', port: 0, queue: frontQueue, token });
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    server,
    front,
    frontQueue,
    direct,
    viaFront: { ...endpointAt(`${front.url}/v1`), apiKey: token },
    async close() {
      frontQueue.close();
      await front.close();
      await server.close();
    },
  };
}
