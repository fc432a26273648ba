import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chat } from '../../src/llm/client.js';
import type { ChatRequest } from '../../src/llm/types.js';
import { projectRoot } from '../helpers/git-repo.js';
import {
  startScriptedServer,
  type Dialect,
  type ScriptedServer,
  type ScriptedServerOptions,
} from '../../src/scripted-server/index.js';
import { failure } from '../helpers/llm-failure.js';
import { scriptedEndpoint } from '../helpers/scripted-endpoint.js';

const faults = path.join(projectRoot, 'fixtures/scripts/faults.json');
const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(dialect: Dialect, extra: Partial<ScriptedServerOptions> = {}) {
  const server = await startScriptedServer({ script: faults, dialect, ...extra });
  servers.push(server);
  const endpoint = scriptedEndpoint(server);
  return { server, endpoint };
}

const ask = (text: string): ChatRequest => ({ messages: [{ role: 'user', content: text }], maxTokens: 64 });
const bounded = { timeoutMs: 3000, idleTimeoutMs: 2000 };

/** Waits (bounded) until the server has seen what the test expects. */
async function eventually(check: () => boolean | Promise<boolean>, ms = 1000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('connection failures', () => {
  it('says there is no server on a closed port, and that it is worth retrying', async () => {
    const { server, endpoint } = await serve('mlx');
    await server.close();
    const e = await failure(chat(endpoint, ask('hello'), bounded));
    expect(e).toMatchObject({
      kind: 'connection',
      retryable: true,
      server: server.baseURL,
      status: undefined,
    });
    expect(e.describe()).toBe(
      `no inference server at ${server.baseURL} — start one with \`factory server start\`, or set server.baseURL`,
    );
  }, 5000);

  it('reports a server that closes the connection without answering', async () => {
    const { endpoint } = await serve('mlx');
    const e = await failure(chat(endpoint, ask('refuse'), bounded));
    expect(e).toMatchObject({ kind: 'connection', retryable: true });
    expect(e.message).toMatch(
      /^the inference server at http:\/\/127\.0\.0\.1:\d+\/v1 closed the connection without answering/,
    );
    expect(e.hint).toContain('factory server logs');
  }, 5000);

  it.each([true, false])(
    'treats a stream cut mid-way as a lost connection, never a short answer (stream %s)',
    async (stream) => {
      const { endpoint } = await serve('llamacpp');
      const content: string[] = [];
      const e = await failure(
        chat(endpoint, ask('cut'), { ...bounded, stream, callbacks: { onContent: (d) => content.push(d) } }),
      );
      expect(e).toMatchObject({ kind: 'connection', retryable: true });
      if (stream) {
        expect(e.message).toMatch(
          // 3 chunks of text after llama-server's role-only first chunk.
          /^llama-server at .* cut the answer off after 4 chunks \(the stream ended before \[DONE\]\)$/,
        );
        expect(content.join('')).toBe('This answer ');
      } else expect(e.message).toContain('cut the answer off');
    },
    5000,
  );

  it('treats a body that ends cleanly without [DONE] or a finish reason as cut', async () => {
    const { endpoint } = await serve('openai', {
      script: { replies: [{ content: 'short', fault: { kind: 'cut', clean: true, afterChunks: 1 } }] },
    });
    const e = await failure(chat(endpoint, ask('anything'), bounded));
    expect(e).toMatchObject({ kind: 'connection', retryable: true });
    expect(e.message).toContain('cut the answer off after 1 chunk (the stream ended before [DONE])');
  }, 5000);
});

describe('HTTP errors', () => {
  it("words mlx_lm.server's 404 for an unknown model, not retryable", async () => {
    const { server, endpoint } = await serve('mlx');
    for (const stream of [true, false]) {
      const e = await failure(
        chat({ ...endpoint, model: 'other-model' }, ask('hello'), { ...bounded, stream }),
      );
      expect(e).toMatchObject({ kind: 'http', status: 404, retryable: false });
      expect(e.describe()).toBe(
        `mlx_lm.server at ${server.baseURL} answered 404: Repository Not Found for other-model (this server serves scripted-model)` +
          ' — check server.model; mlx_lm.server serves the model it was started with',
      );
    }
  }, 5000);

  it('words OpenAI-shaped 404s from Ollama and vLLM', async () => {
    const ollama = await serve('ollama');
    const e1 = await failure(chat({ ...ollama.endpoint, model: 'qwen3' }, ask('hello'), bounded));
    expect(e1.describe()).toBe(
      `Ollama at ${ollama.server.baseURL} answered 404: model "qwen3" not found, try pulling it first — check server.model; pull it with \`ollama pull qwen3\``,
    );
    const vllm = await serve('openai');
    const e2 = await failure(chat({ ...vllm.endpoint, model: 'qwen3' }, ask('hello'), bounded));
    expect(e2.message).toBe(
      `the inference server at ${vllm.server.baseURL} answered 404: The model \`qwen3\` does not exist.`,
    );
    expect(e2.hint).toBe('check server.model ("qwen3") and that server.baseURL ends in /v1');
  }, 5000);

  it('marks a 500 retryable and names the server', async () => {
    const { server, endpoint } = await serve('llamacpp');
    const e = await failure(chat(endpoint, ask('crash'), bounded));
    expect(e).toMatchObject({ kind: 'http', status: 500, retryable: true });
    expect(e.describe()).toBe(
      `llama-server at ${server.baseURL} answered 500: model crashed — it may have crashed; check its log (\`factory server logs\`)`,
    );
  }, 5000);

  it('marks 503 "Loading model" from llama-server as loading and retryable, then recovers', async () => {
    const { server, endpoint } = await serve('llamacpp', { loadMs: 400 });
    const e = await failure(chat(endpoint, ask('hello'), bounded));
    expect(e).toMatchObject({ kind: 'loading', status: 503, retryable: true });
    expect(e.describe()).toBe(
      `llama-server at ${server.baseURL} is still loading the model (503: Loading model)` +
        ' — wait until it has loaded and try again; `factory server status` shows when it is ready',
    );
    // Loaded once its /health says so (llama-server answers 503 there until then).
    await eventually(async () => (await fetch(`${server.url}/health`)).status === 200, 4000);
    expect((await chat(endpoint, ask('hello'), bounded)).content).toBe('ok');
  }, 5000);

  it.each(['mlx', 'ollama', 'openai'] as const)(
    'recovers after a 503 that lasts two requests (%s)',
    async (dialect) => {
      const { endpoint } = await serve(dialect);
      for (let i = 0; i < 2; i++) {
        const e = await failure(chat(endpoint, ask('warming up'), bounded));
        expect(e).toMatchObject({ kind: 'loading', status: 503, retryable: true });
      }
      expect((await chat(endpoint, ask('warming up'), bounded)).content).toBe('Loaded and ready.');
    },
    5000,
  );
});

describe('broken bodies', () => {
  it('reports a chunk that is not JSON, not retryable', async () => {
    const { server, endpoint } = await serve('mlx');
    const e = await failure(chat(endpoint, ask('malformed'), bounded));
    expect(e).toMatchObject({ kind: 'protocol', retryable: false });
    expect(e.message).toBe(
      `mlx_lm.server at ${server.baseURL} sent a stream chunk that is not valid JSON: "{\\"id\\": \\"broken\\", \\"choices\\": [{\\"delta\\": {\\"content\\": \\"oo"`,
    );
  }, 5000);

  it.each([true, false])(
    'reports an HTML page instead of an API answer (stream %s)',
    async (stream) => {
      const { server, endpoint } = await serve('ollama');
      const e = await failure(chat(endpoint, ask('html'), { ...bounded, stream }));
      expect(e).toMatchObject({ kind: 'protocol', retryable: false });
      expect(e.message).toContain(
        `the inference server at ${server.baseURL} did not answer like an OpenAI-compatible API (text/html; charset=utf-8): "<!DOCTYPE html>`,
      );
      expect(e.hint).toBe('server.baseURL should be the API root of the model server, usually ending in /v1');
    },
    5000,
  );

  it('reports a non-JSON answer to a request that does not stream', async () => {
    const { endpoint } = await serve('llamacpp');
    const e = await failure(chat(endpoint, ask('malformed'), { ...bounded, stream: false }));
    expect(e).toMatchObject({ kind: 'protocol', retryable: false });
    expect(e.message).toMatch(/^llama-server at .* sent an answer that is not valid JSON: "\{\\"id\\":/);
  }, 5000);
});

describe('deadlines, stalls and cancelling', () => {
  it('stops a stalled stream with the idle watchdog, and the server sees the connection close', async () => {
    const { server, endpoint } = await serve('mlx');
    const e = await failure(chat(endpoint, ask('stall'), { timeoutMs: 5000, idleTimeoutMs: 300 }));
    // 'idle', not 'timeout': the watchdog stopped it, long before the 5 s deadline would have.
    expect(e).toMatchObject({ kind: 'idle', retryable: false });
    expect(e.message).toMatch(
      /stopped sending mid-answer: nothing for 0.3s after 2 chunks \(the idle clock\)$/,
    );
    expect(e.clock).toBe('idle');
    await eventually(() => server.requests[0]!.clientClosed);
  }, 5000);

  it("stops at a caller's hard deadline even while tokens keep coming", async () => {
    const { endpoint } = await serve('openai', {
      script: { replies: [{ content: 'x'.repeat(400), tps: 20 }] },
    });
    // 400 characters at 20 tokens a second take seconds: a 'timeout' is the 0.4 s deadline.
    const e = await failure(chat(endpoint, ask('anything'), { timeoutMs: 400, idleTimeoutMs: 1000 }));
    expect(e).toMatchObject({ kind: 'timeout', retryable: false, clock: 'deadline' });
    expect(e.message).toMatch(/within 0.4s \(the request's deadline\)$/);
  }, 5000);

  it('applies the deadline before the headers too (mlx_lm.server still loading)', async () => {
    const { server, endpoint } = await serve('mlx', { loadMs: 5000 });
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    const e = await failure(chat(endpoint, ask('hello'), { timeoutMs: 300, idleTimeoutMs: 100 }));
    expect(e.kind).toBe('timeout');
  }, 5000);

  it('stops a non-streaming request that stalls at the deadline', async () => {
    const { endpoint } = await serve('llamacpp');
    const e = await failure(chat(endpoint, ask('stall'), { timeoutMs: 300, stream: false }));
    expect(e.kind).toBe('timeout');
  }, 5000);

  it('cancels through the AbortSignal mid-stream; the server sees the connection closed', async () => {
    const { server, endpoint } = await serve('ollama');
    const abort = new AbortController();
    const e = await failure(
      chat(endpoint, ask('slow'), {
        ...bounded,
        signal: abort.signal,
        callbacks: { onContent: () => abort.abort() },
      }),
    );
    expect(e).toMatchObject({ kind: 'aborted', retryable: false });
    expect(e.message).toBe(`the request to the inference server at ${server.baseURL} was cancelled`);
    await eventually(() => server.requests[0]!.clientClosed);
  }, 5000);

  it('cancels before the answer starts, and never sends a cancelled request', async () => {
    const { server, endpoint } = await serve('mlx', { loadMs: 5000 });
    const abort = new AbortController();
    const pending = failure(chat(endpoint, ask('hello'), { ...bounded, signal: abort.signal }));
    await eventually(() => server.requests.length === 1);
    abort.abort();
    expect((await pending).kind).toBe('aborted');
    await eventually(() => server.requests[0]!.clientClosed);
    const e = await failure(chat(endpoint, ask('hello'), { ...bounded, signal: abort.signal }));
    expect(e.kind).toBe('aborted');
    expect(server.requests).toHaveLength(1);
  }, 5000);

  it('waits out a slow token rate within its deadline', async () => {
    const { endpoint } = await serve('mlx');
    const started = Date.now();
    const r = await chat(endpoint, ask('slow'), { timeoutMs: 3000, idleTimeoutMs: 500 });
    expect(r.content).toBe('Each token of this answer takes a while.');
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  }, 5000);

  it("tolerates mlx_lm.server's keepalive comments through a long prefill", async () => {
    const { endpoint } = await serve('mlx', { latency: { prefillTps: 4, decodeTps: 1000, slots: 1 } });
    // "hello there" is 3 tokens: 750 ms of prefill, longer than the watchdog, with keepalives every 250 ms.
    const r = await chat(endpoint, ask('hello there'), { timeoutMs: 3000, idleTimeoutMs: 500 });
    expect(r.content).toBe('ok');
  }, 5000);
});
