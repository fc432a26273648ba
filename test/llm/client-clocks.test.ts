/**
 * The three clocks of a request (src/llm/clocks.ts), through the real `openai` client against
 * the scripted server over HTTP: a slow first token is not a stall, a fast stream outlasting
 * agent.llmTimeout is never cut, and each clock that runs out is named in the error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chat } from '../../src/llm/client.js';
import { startFront } from '../../src/llm/front.js';
import { waitingAtFront } from '../../src/llm/front-waiting.js';
import { queuedChat, type Inference } from '../../src/llm/inference.js';
import { RequestQueue } from '../../src/llm/queue.js';
import type { ChatRequest } from '../../src/llm/types.js';
import {
  startScriptedServer,
  type Dialect,
  type Script,
  type ScriptedServerOptions,
  type ScriptedServer,
} from '../../src/scripted-server/index.js';
import { failure } from '../helpers/llm-failure.js';
import { scriptedEndpoint } from '../helpers/scripted-endpoint.js';

const servers: ScriptedServer[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(dialect: Dialect, script: Script, extra: Partial<ScriptedServerOptions> = {}) {
  const server = await startScriptedServer({ script, dialect, ...extra });
  servers.push(server);
  const endpoint = scriptedEndpoint(server);
  return { server, endpoint };
}

const ask = (text: string, maxTokens = 1024): ChatRequest => ({
  messages: [{ role: 'user', content: text }],
  maxTokens,
});

describe('the first-token clock', () => {
  it('waits out a long prompt read (no headers, no bytes) when the clock grows with the prompt', async () => {
    // 400 characters = 100 prompt tokens, read at 100 tokens/s: a second with nothing sent.
    const { endpoint } = await serve(
      'llamacpp',
      { default: { content: 'done reading' } },
      { latency: { prefillTps: 100, decodeTps: 10_000, slots: 1 } },
    );
    // A base of 0.1 s alone would expire; 100 prompt tokens add 4 s (1 s per 25 tokens).
    const r = await chat(endpoint, ask('x'.repeat(400)), { firstTokenMs: 100, idleTimeoutMs: 500 });
    expect(r.content).toBe('done reading');
  }, 10_000);

  it('names the first-token clock when no token comes', async () => {
    // mlx_lm.server holds requests while it loads: headers never come.
    const { endpoint } = await serve('mlx', { default: { content: 'late' } }, { loadMs: 60_000 });
    const e = await failure(chat(endpoint, ask('hi'), { firstTokenMs: 100, idleTimeoutMs: 60_000 }));
    expect(e).toMatchObject({ kind: 'timeout', clock: 'first-token', retryable: false });
    expect(e.message).toMatch(
      /^no first token from the inference server at .* within 0\.\ds \(the first-token clock: 0.1s, plus 1s per 25 tokens of a 1-token prompt\)$/,
    );
    expect(e.hint).toMatch(/agent.firstTokenTimeout/);
  }, 5000);
});

describe('the idle clock', () => {
  it('never cuts a fast stream that lasts longer than the idle allowance', async () => {
    // 2000 characters at 500 tokens/s: about a second of streaming, in 50 pieces.
    const { endpoint } = await serve('llamacpp', {
      default: { content: 'y'.repeat(2000), tps: 500, chunkChars: 40 },
    });
    const started = Date.now();
    const r = await chat(endpoint, ask('go'), { firstTokenMs: 5000, idleTimeoutMs: 500 });
    expect(r.content).toBe('y'.repeat(2000));
    expect(Date.now() - started).toBeGreaterThan(500);
  }, 10_000);

  it('stops a stalled stream and names the idle clock', async () => {
    const { server, endpoint } = await serve('llamacpp', {
      default: { content: 'this answer stops and never ends', fault: { kind: 'stall', afterChunks: 2 } },
    });
    const e = await failure(chat(endpoint, ask('go'), { firstTokenMs: 5000, idleTimeoutMs: 300 }));
    expect(e).toMatchObject({ kind: 'idle', clock: 'idle', retryable: false });
    expect(e.message).toMatch(
      /^llama-server at .* stopped sending mid-answer: nothing for 0.3s after 3 chunks \(the idle clock\)$/,
    );
    expect(e.hint).toMatch(/agent.llmTimeout/);
    // What the model had written is kept for the transcript.
    expect(e.partial?.content).toBe('this ans');
    expect(server.requests).toHaveLength(1);
  }, 5000);
});

describe('the overall clock', () => {
  it('stops a stream that runs far past the time max_tokens should take at its own speed', async () => {
    // A server that ignores max_tokens 16 and writes 200 tokens at 40 tokens/s: measured over the
    // first two seconds, the overall clock is 2 x 16 / 40 s + the idle allowance of 1 s = 1.8 s.
    const { endpoint } = await serve('openai', { default: { content: 'z'.repeat(800), tps: 40 } });
    const e = await failure(chat(endpoint, ask('go', 16), { firstTokenMs: 5000, idleTimeoutMs: 1000 }));
    expect(e).toMatchObject({ kind: 'timeout', clock: 'overall', retryable: false });
    expect(e.message).toMatch(
      /was still answering after \d+(\.\d)?s \(the overall clock: twice the time max_tokens takes at the measured \d+\.\d tokens\/s, plus agent.llmTimeout\)/,
    );
    expect(e.partial?.content.length).toBeGreaterThan(0);
  }, 10_000);
});

describe('the first-token clock behind the queue front', () => {
  it("does not count the time a request waits in the front's queue behind another task's answer", async () => {
    const { server, endpoint } = await serve('llamacpp', {
      replies: [{ match: 'long', content: 'x'.repeat(1200), tps: 200 }],
      default: { content: 'my turn' },
    });
    const queue = new RequestQueue([endpoint]);
    const token = 'front-token';
    const front = await startFront({ host: '127.0.0.1', port: 0, queue, token });
    cleanups.push(() => front.close());
    const inf: Inference = {
      mode: 'front',
      queue: new RequestQueue([{ ...endpoint, baseURL: `${front.url}/v1`, apiKey: token, concurrency: 64 }], {
        retries: 0,
      }),
      note: '',
      token,
      frontURL: `${front.url}/v1`,
    };
    // Task a holds the server's one slot for about 1.5 s (300 tokens at 200 tokens/s).
    const first = queuedChat(inf, 'task-a', ask('long'), { firstTokenMs: 5000, idleTimeoutMs: 2000 });
    await waitUntil(async () => server.requests.length === 1);
    // Task b's first-token clock (0.4 s) runs out several times while it waits: each time the
    // front says it is still queued, so the clock starts over.
    const second = await queuedChat(inf, 'task-b', ask('short'), { firstTokenMs: 400, idleTimeoutMs: 2000 });
    expect(second.content).toBe('my turn');
    expect(await waitingAtFront(`${front.url}/v1`, 'task-b', token)).toBe(false);
    expect((await first).content).toHaveLength(1200);
  }, 10_000);
});

async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
