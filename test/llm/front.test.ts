/**
 * The queue front against the scripted server, both over real HTTP in this process: what the
 * front does when the model server fails (cut streams, error events, 4xx, dead sockets, a model
 * server that went down), seen through the real client as `factory task` sees it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFront, type Front } from '../../src/llm/front.js';
import { RequestQueue } from '../../src/llm/queue.js';
import { chat } from '../../src/llm/client.js';
import { flavorFromCommand, probeFlavor } from '../../src/llm/server-flavor.js';
import { startScriptedServer, type Dialect } from '../../src/scripted-server/index.js';
import type { Script } from '../../src/scripted-server/script.js';
import type { EndpointConfig } from '../../src/llm/types.js';
import type { ServerFlavor } from '../../src/llm/errors.js';
import { freePort } from '../helpers/server-env.js';
import { failure } from '../helpers/llm-failure.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const MODEL = 'scripted-model';

async function model(script: Script, dialect: Dialect = 'llamacpp', decodeTps?: number) {
  const s = await startScriptedServer({
    script: { model: MODEL, ...script },
    dialect,
    ...(decodeTps ? { latency: { prefillTps: 1e9, decodeTps, slots: 1 } } : {}),
  });
  cleanups.push(() => s.close());
  return s;
}

async function frontOver(
  server: { baseURL: string },
  opts: { flavor?: ServerFlavor; retries?: number } = {},
): Promise<{ front: Front; queue: RequestQueue; endpoint: EndpointConfig }> {
  const queue = new RequestQueue([{ baseURL: server.baseURL, apiKey: 'k', model: MODEL, concurrency: 1 }], {
    retries: opts.retries ?? 3,
    baseDelayMs: 10,
  });
  const front = await startFront({
    host: '127.0.0.1',
    port: 0,
    queue,
    token: 'front-token',
    flavor: () => opts.flavor,
  });
  cleanups.push(() => front.close());
  // What `factory task` uses: the front's URL, no retries of its own.
  const endpoint = { baseURL: `${front.url}/v1`, apiKey: 'front-token', model: MODEL, concurrency: 64 };
  return { front, queue, endpoint };
}

const ask = (endpoint: EndpointConfig, text: string, task = 'task-1', callbacks = {}) =>
  chat(endpoint, { messages: [{ role: 'user', content: text }], maxTokens: 64 }, { task, callbacks });

const waitFor = async (what: string, probe: () => boolean) => {
  for (let i = 0; i < 400; i++) {
    if (probe()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('the front when the model server fails (issue 11)', () => {
  it('settles a stream whose model server connection closes mid-answer: slot freed, failure counted, next request served', async () => {
    const server = await model({
      replies: [
        {
          match: 'crash',
          content: 'This answer is cut off by a crash after a few chunks.',
          fault: { kind: 'cut', afterChunks: 2 },
        },
      ],
      default: { content: 'Still here.' },
    });
    const { queue, endpoint } = await frontOver(server);
    const e = await failure(ask(endpoint, 'crash now'));
    // kind 'connection' is what makes `factory task` say the server is down (exit 3).
    expect(e.kind).toBe('connection');
    expect(e.message).toContain('closed the connection mid-answer');
    const m = queue.metrics();
    expect(m.total.running).toBe(0);
    expect(m.total.failed).toBe(1);
    expect(m.total.completed).toBe(0);
    expect((await ask(endpoint, 'hello', 'task-2')).content).toBe('Still here.');
  });

  it('ends running and waiting requests with a clear "down" error when the model server goes down, and answers new ones at once', async () => {
    const server = await model(
      { replies: [{ match: 'long', content: 'word '.repeat(200) }], default: { content: 'back' } },
      'llamacpp',
      50,
    );
    const { front, queue, endpoint } = await frontOver(server, { flavor: 'llamacpp' });
    let chunks = 0;
    const running = failure(ask(endpoint, 'long', 'task-1', { onContent: () => chunks++ }));
    const waiting = failure(ask(endpoint, 'long', 'task-2'));
    await waitFor(
      'the first chunks and a waiting request',
      () => chunks > 2 && queue.metrics().total.waiting === 1,
    );
    const down = {
      message: 'llama-server at http://x/v1 exited (SIGKILL); factory is restarting it',
      hint: 'try again',
    };
    front.modelDown(server.baseURL, down, true);
    for (const e of [await running, await waiting]) {
      expect(e.kind).toBe('connection');
      expect(e.message).toBe(down.message);
      expect(e.hint).toBe('try again');
    }
    expect((await failure(ask(endpoint, 'hello', 'task-3'))).message).toBe(down.message);
    // The running one failed; the waiting one never ran.
    expect(queue.metrics().total).toMatchObject({ failed: 1, cancelled: 1, completed: 0 });
    await waitFor('the slot to be free', () => queue.metrics().total.running === 0);
    front.modelUp();
    expect((await ask(endpoint, 'hello', 'task-3')).content).toBe('back');
  });

  it('names the real server: passes its Server header on, and names the learnt flavour when it sends none', async () => {
    const llama = await model({
      replies: [{ match: 'bad', fault: { kind: 'status', status: 400, message: 'bad request' } }],
    });
    const { endpoint } = await frontOver(llama);
    const res = await fetch(`${endpoint.baseURL}/models`, {
      headers: { authorization: 'Bearer front-token' },
    });
    expect(res.headers.get('server')).toBe('llama.cpp');
    const e = await failure(ask(endpoint, 'bad'));
    expect(e.message).toBe(`llama-server at ${endpoint.baseURL} answered 400: bad request`);
    expect(await probeFlavor(llama.baseURL)).toBe('llamacpp');

    // Ollama's dialect sends no Server header: the front names what it learnt from the command.
    const quiet = await model(
      { replies: [{ match: 'bad', fault: { kind: 'status', status: 400, message: 'no' } }] },
      'ollama',
    );
    const viaFront = (await frontOver(quiet, { flavor: flavorFromCommand(['ollama', 'serve']) })).endpoint;
    expect((await failure(ask(viaFront, 'bad'))).message).toContain(`Ollama at ${viaFront.baseURL}`);

    // A model server that is gone is named too, and reported as unreachable.
    const gone = { baseURL: `http://127.0.0.1:${await freePort()}/v1` };
    const dead = (await frontOver(gone, { flavor: 'llamacpp', retries: 0 })).endpoint;
    const down = await failure(ask(dead, 'hello'));
    expect(down.kind).toBe('connection');
    expect(down.message).toContain(`cannot reach llama-server at ${gone.baseURL}`);
  });

  it('learns the flavour by asking: /props is llama.cpp, /api/version is Ollama', async () => {
    const serve = async (routes: Record<string, unknown>) => {
      const server = http.createServer((req, res) => {
        const body = routes[req.url ?? ''];
        res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body ?? { error: 'not found' }));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      cleanups.push(() => new Promise((r) => server.close(r)));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    };
    const llama = await serve({ '/props': { default_generation_settings: { n_ctx: 4096 }, total_slots: 1 } });
    expect(await probeFlavor(llama)).toBe('llamacpp');
    expect(await probeFlavor(await serve({ '/api/version': { version: '0.6.2' } }))).toBe('ollama');
    expect(await probeFlavor(await serve({ '/v1/models': { data: [] } }))).toBe('generic');
  });

  it('learns the flavour from the command', () => {
    expect(flavorFromCommand(['llama-server', '-m', 'x.gguf'])).toBe('llamacpp');
    expect(flavorFromCommand(['/opt/llama.cpp/build/bin/llama-server', '--port', '1'])).toBe('llamacpp');
    expect(flavorFromCommand(['mlx_lm.server', '--model', 'm'])).toBe('mlx');
    expect(flavorFromCommand(['python3', '-m', 'mlx_lm.server'])).toBe('mlx');
    expect(flavorFromCommand(['ollama', 'serve'])).toBe('ollama');
    expect(flavorFromCommand(['node', 'server.js'])).toBeUndefined();
    expect(flavorFromCommand(null)).toBeUndefined();
  });

  it('counts a 400, a 404 and a stream that ends in an error event as failed, not done', async () => {
    const server = await model({
      replies: [
        { match: 'four hundred', fault: { kind: 'status', status: 400, message: 'bad' } },
        { match: 'not found', fault: { kind: 'status', status: 404, message: 'nope' } },
        {
          match: 'event',
          content: 'A few words before the error.',
          fault: {
            kind: 'error-event',
            afterChunks: 1,
            message: 'Failed to parse tool call arguments as JSON',
          },
        },
      ],
    });
    const { queue, endpoint } = await frontOver(server);
    await failure(ask(endpoint, 'four hundred'));
    await failure(ask(endpoint, 'not found'));
    const e = await failure(ask(endpoint, 'event'));
    expect(e.message).toContain('Failed to parse tool call arguments as JSON');
    const m = queue.metrics();
    expect(m.total.completed).toBe(0);
    expect(m.total.failed).toBe(3);
    // Delivered failures are final: the client has them, so nothing is retried.
    expect(m.total.retries).toBe(0);
    expect(m.endpoints[0]!.served).toBe(0);
  });

  it('never sends a queued request into the connection an error stream left behind', async () => {
    const server = await model(
      {
        replies: [
          {
            match: 'first',
            once: true,
            content: 'Partial answer.',
            fault: { kind: 'error-event', afterChunks: 1, message: 'scripted failure' },
          },
        ],
        default: { content: 'fine' },
      },
      'llamacpp',
      20,
    );
    const { queue, endpoint } = await frontOver(server);
    const first = failure(ask(endpoint, 'first', 'task-0'));
    await waitFor('the first request to run', () => queue.metrics().total.running === 1);
    const others = [1, 2, 3].map((i) => ask(endpoint, 'again', `task-${i}`));
    await first;
    for (const r of await Promise.all(others)) expect(r.content).toBe('fine');
    const m = queue.metrics();
    expect(m.total.retries).toBe(0);
    expect(m.endpoints[0]!.connectionErrors).toBe(0);
    expect(m.endpoints[0]!.up).toBe(true);
    expect(m.total.completed).toBe(3);
    expect(m.total.failed).toBe(1);
  });

  it('sends a request again at once when its reused connection turns out dead, without marking the endpoint down', async () => {
    const server = await model({
      replies: [
        { match: 'one', content: 'first answer' },
        // The server drops the connection on which the second request arrives, answering nothing.
        { match: 'two', once: true, fault: 'refuse' },
        { match: 'two', content: 'second answer' },
      ],
    });
    const { queue, endpoint } = await frontOver(server);
    expect((await ask(endpoint, 'one')).content).toBe('first answer');
    expect((await ask(endpoint, 'two')).content).toBe('second answer');
    const m = queue.metrics();
    expect(m.total.retries).toBe(0);
    expect(m.endpoints[0]!.connectionErrors).toBe(0);
    expect(m.total.failed).toBe(0);
    // The retried request reached the server twice: once on the dead socket, once on a new one.
    expect(server.requests.filter((r) => JSON.stringify(r.body).includes('two'))).toHaveLength(2);
  });
});
