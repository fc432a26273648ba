/**
 * The `llamacpp` dialect point by point against what llama-server (commit 34af94cd) does (the
 * list in src/scripted-server/dialects.ts), over real HTTP, and where it matters through
 * factory's own client (src/llm/client.ts), to show factory copes with each point.
 */
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { chat } from '../../src/llm/client.js';
import type { ChatRequest } from '../../src/llm/types.js';
import { LLAMA_MODEL_PATH } from '../../src/scripted-server/dialects.js';
import { jsonParseErrorMessage } from '../../src/scripted-server/llama-wire.js';
import {
  startScriptedServer,
  type Script,
  type ScriptedServer,
  type ScriptedServerOptions,
} from '../../src/scripted-server/index.js';
import { failure } from '../helpers/llm-failure.js';
import { scriptedEndpoint } from '../helpers/scripted-endpoint.js';

const servers: ScriptedServer[] = [];
const agents: http.Agent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) a.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const SCRIPT: Script = {
  replies: [
    { match: 'field', reasoning: 'The user wants a greeting.', content: 'Hi!' },
    {
      match: 'native',
      toolCalls: [
        { id: 'call_a', name: 'read_file', arguments: { path: 'src/index.ts' } },
        { id: 'call_b', name: 'run', arguments: { command: 'npm test' } },
      ],
    },
    {
      match: 'write',
      toolCalls: [{ id: 'call_w', name: 'write_file', arguments: { path: 'a.txt', content: 'hello world' } }],
    },
    { match: 'essay', content: 'abcdefghijklmnopqrstuvwxyz' },
    {
      match: 'cached',
      content: 'Same prefix as before.',
      usage: { prompt: 1200, completion: 6, cached: 1024 },
    },
    {
      match: 'parse failure',
      content: 'Partial answer before the failure.',
      fault: { kind: 'error-event', afterChunks: 2, message: 'Failed to parse input at pos 8' },
    },
    { match: 'early failure', content: 'Never sent.', fault: { kind: 'error-event', afterChunks: 0 } },
    { match: 'stall', content: 'The first token never comes.', fault: { kind: 'stall', afterChunks: 0 } },
    { match: 'unicode', content: 'héllo 😀👍🏽 wörld ✓ 日本語 🇫🇷!' },
    { match: 'emoji', content: '😀😀😀😀😀' },
  ],
  default: { content: 'ok' },
};

async function serve(extra: Partial<ScriptedServerOptions> = {}) {
  const server = await startScriptedServer({ script: SCRIPT, dialect: 'llamacpp', ...extra });
  servers.push(server);
  const endpoint = scriptedEndpoint(server);
  return { server, endpoint };
}

function post(server: ScriptedServer, body: Record<string, unknown>, signal?: AbortSignal) {
  return fetch(`${server.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'anything', max_tokens: 200, ...body }),
    signal: signal ?? AbortSignal.timeout(5000),
  });
}

const user = (content: string) => ({ messages: [{ role: 'user', content }] });
const ask = (text: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: 'user', content: text }],
  maxTokens: 200,
  ...extra,
});
const bounded = { timeoutMs: 5000, idleTimeoutMs: 3000 };
const tools: ChatRequest['tools'] = ['read_file', 'write_file', 'run'].map((name) => ({
  name,
  description: name,
  parameters: { type: 'object' },
}));

type Chunk = {
  model: string;
  choices: { delta: Record<string, unknown>; finish_reason: string | null }[];
  usage?: unknown;
  timings?: Record<string, number | null>;
  error?: unknown;
};

/** The raw text of a streamed answer, its parsed data events, and whether `[DONE]` ended it. */
async function events(res: Response): Promise<{ text: string; data: Chunk[]; done: boolean }> {
  const text = await res.text();
  const datas = text
    .split('\n\n')
    .filter((b) => b.startsWith('data: '))
    .map((b) => b.slice(6));
  const done = datas.at(-1) === '[DONE]';
  return { text, data: datas.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as Chunk), done };
}

const deltasOf = (data: Chunk[]) => data.filter((c) => c.choices.length > 0).map((c) => c.choices[0]!.delta);

/** A request over node:http, to see the Connection header and whether the server closed the socket. */
function raw(
  url: string,
  opts: { method?: string; body?: string; agent?: http.Agent } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: opts.method ?? 'GET',
        agent: opts.agent,
        headers: opts.body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        const socket = res.socket;
        const closed = new Promise<void>((done) => {
          if (socket.destroyed) done();
          else socket.once('close', () => done());
        });
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, closed }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * Sends a request on a raw socket and, once its chunked answer is complete, a second one on the
 * same socket; resolves with everything the socket carried until the server closed it.
 */
function twoOnOneSocket(server: ScriptedServer, first: string, second: string): Promise<string> {
  const request = (body: string) =>
    'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  return new Promise((resolve) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let text = '';
    let again = false;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
      if (!again && text.includes('\r\n0\r\n\r\n')) {
        again = true;
        socket.write(request(second));
      }
    });
    // A reset for writing to a socket the server closed is the same answer: none.
    socket.on('error', () => {});
    socket.on('close', () => resolve(text));
    socket.write(request(first));
  });
}

const LOADING = { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } };

describe('llama-server fidelity (llamacpp dialect)', { timeout: 10_000 }, () => {
  it('1. answers 503 "Loading model" on every route while loading, /health and /v1/models included', async () => {
    const { server, endpoint } = await serve({ loadMs: 60_000 });
    const asks = [
      raw(`${server.url}/health`),
      raw(`${server.baseURL}/models`),
      raw(`${server.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify(user('hi')) }),
      raw(`${server.baseURL}/chat/completions`, { method: 'POST', body: 'not json' }),
      raw(`${server.url}/props`),
    ];
    for (const answer of await Promise.all(asks)) {
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.text)).toEqual(LOADING);
      expect(answer.headers).toMatchObject({ server: 'llama.cpp', connection: 'close' });
    }
    const e = await failure(chat(endpoint, ask('hello'), bounded));
    expect(e).toMatchObject({ kind: 'loading', status: 503, retryable: true });
    // The completions were refused before their body was parsed, and recorded.
    expect(server.requests.map((r) => [r.status, typeof r.body])).toEqual([
      [503, 'string'],
      [503, 'string'],
      [503, 'string'],
    ]);
  });

  it('2. opens a stream with a role-only chunk; later deltas carry no role', async () => {
    const { server, endpoint } = await serve();
    const { data, done } = await events(await post(server, { ...user('field'), stream: true }));
    expect(done).toBe(true);
    const deltas = deltasOf(data);
    expect(deltas[0]).toEqual({ role: 'assistant', content: null });
    expect(deltas[1]).toEqual({ reasoning_content: 'The ' });
    expect(deltas.slice(1).some((d) => 'role' in d)).toBe(false);
    const r = await chat(endpoint, ask('field'), bounded);
    expect(r).toMatchObject({
      content: 'Hi!',
      reasoning: 'The user wants a greeting.',
      finishReason: 'stop',
    });
  });

  it('3. sends no status line or header before the first token exists', async () => {
    // 300 prompt tokens at 1000 tokens/s: 300 ms of prompt processing before the first token.
    const { server } = await serve({
      script: { replies: [{ content: 'late', usage: { prompt: 300 } }] },
      latency: { prefillTps: 1000, decodeTps: 1e6, slots: 1 },
    });
    const res = await post(server, { ...user('hi'), stream: true });
    // The server's own clock: the headers came after the prompt was read (load only delays them).
    const at = performance.timeOrigin + performance.now();
    expect(at - server.requests[0]!.startedAt!).toBeGreaterThanOrEqual(299);
    expect(res.status).toBe(200);
    expect((await events(res)).done).toBe(true);
  });

  it('3. a first token that never comes leaves the client with no headers at all; mlx sends them at once', async () => {
    const { server, endpoint } = await serve();
    const early = await post(server, { ...user('stall'), stream: true }, AbortSignal.timeout(300)).then(
      () => 'headers',
      (e: Error) => e.name,
    );
    expect(early).toBe('TimeoutError');
    expect(server.requests[0]!.status).toBeUndefined();
    // factory's client: its deadline runs out before any header (the idle watchdog never starts).
    const e = await failure(chat(endpoint, ask('stall'), { timeoutMs: 300, idleTimeoutMs: 100 }));
    expect(e.kind).toBe('timeout');

    const mlx = await startScriptedServer({ script: SCRIPT, dialect: 'mlx' });
    servers.push(mlx);
    const abort = new AbortController();
    const res = await post(mlx, { ...user('stall'), stream: true }, abort.signal);
    expect(res.status).toBe(200);
    abort.abort();
  });

  it('4. honours max_tokens: finish "length", in text and in the middle of a tool call', async () => {
    const { server, endpoint } = await serve();
    // 26 characters are 7 tokens; 3 tokens are 12 characters.
    const whole = (await (await post(server, { ...user('essay'), max_tokens: 3 })).json()) as {
      choices: { message: { content: string }; finish_reason: string }[];
      usage: { completion_tokens: number };
    };
    expect(whole.choices[0]).toMatchObject({ message: { content: 'abcdefghijkl' }, finish_reason: 'length' });
    expect(whole.usage.completion_tokens).toBe(3);
    const streamed = await events(await post(server, { ...user('essay'), max_tokens: 3, stream: true }));
    expect(
      deltasOf(streamed.data)
        .map((d) => d.content ?? '')
        .join(''),
    ).toBe('abcdefghijkl');
    expect(streamed.data.at(-1)!.choices[0]!.finish_reason).toBe('length');

    // "write_file" (10 characters) and 14 characters of its arguments make 6 tokens.
    const cut = await events(await post(server, { ...user('write'), max_tokens: 6, stream: true }));
    const args = deltasOf(cut.data)
      .flatMap((d) => (d.tool_calls as { function: { arguments: string } }[] | undefined) ?? [])
      .map((c) => c.function.arguments)
      .join('');
    expect(args).toBe('{"path":"a.txt');
    expect(cut.data.at(-1)!.choices[0]!.finish_reason).toBe('length');

    for (const stream of [true, false]) {
      const r = await chat(endpoint, ask('write', { tools, maxTokens: 6 }), { ...bounded, stream });
      expect(r.finishReason).toBe('length');
      // factory sees the cut: whether its client keeps the broken call or drops it (issue 11,
      // defect 2), it never takes it for a whole one.
      expect(r.toolCalls.every((c) => c.name === 'write_file' && c.arguments === '{"path":"a.txt')).toBe(
        true,
      );
      const short = await chat(endpoint, ask('essay', { maxTokens: 3 }), { ...bounded, stream });
      expect(short).toMatchObject({ content: 'abcdefghijkl', finishReason: 'length' });
      expect(short.usage.completionTokens).toBe(3);
    }
  });

  it('5. tool calls: id, name and the first argument fragment together, one fragment a token, a second call whole', async () => {
    const { server, endpoint } = await serve();
    const { data } = await events(await post(server, { ...user('native'), stream: true }));
    const deltas = deltasOf(data);
    expect(deltas[0]).toEqual({ role: 'assistant', content: null });
    expect(deltas[1]).toEqual({
      tool_calls: [
        { index: 0, id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '{"pa' } },
      ],
    });
    const calls = deltas.slice(1, -1).map((d) => (d.tool_calls as Record<string, unknown>[])[0]!);
    const fragments = calls.slice(1, -1);
    expect(fragments.every((c) => Object.keys(c).join() === 'index,function' && c.index === 0)).toBe(true);
    const texts = fragments.map((c) => (c.function as { arguments: string }).arguments);
    // Token boundaries: four characters a token in the scripted tokenizer, the last one shorter.
    expect(texts.slice(0, -1).every((t) => t.length === 4)).toBe(true);
    expect('{"pa' + texts.join('')).toBe('{"path":"src/index.ts"}');
    expect(calls.at(-1)).toEqual({
      index: 1,
      id: 'call_b',
      type: 'function',
      function: { name: 'run', arguments: '{"command":"npm test"}' },
    });
    expect(data.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
    const r = await chat(endpoint, ask('native', { tools }), bounded);
    expect(r.toolCalls).toEqual([
      { id: 'call_a', name: 'read_file', arguments: '{"path":"src/index.ts"}' },
      { id: 'call_b', name: 'run', arguments: '{"command":"npm test"}' },
    ]);
  });

  it('6. an unstreamed answer with tool calls says content "" (not null)', async () => {
    const { server, endpoint } = await serve();
    const body = (await (await post(server, user('native'))).json()) as {
      choices: { message: Record<string, unknown>; finish_reason: string }[];
    };
    expect(body.choices[0]!.message).toMatchObject({ role: 'assistant', content: '' });
    expect(body.choices[0]!.finish_reason).toBe('tool_calls');
    const r = await chat(endpoint, ask('native', { tools }), { ...bounded, stream: false });
    expect(r).toMatchObject({ content: '', finishReason: 'tool_calls' });
    expect(r.toolCalls.map((c) => c.name)).toEqual(['read_file', 'run']);
  });

  it('7. reports timings on the last chunk and on whole answers, and cached prompt tokens in usage', async () => {
    // 1200 prompt tokens at 12000/s: at least 100 ms of prompt processing.
    const { server, endpoint } = await serve({ latency: { prefillTps: 12_000, decodeTps: 1e6, slots: 1 } });
    const usage = {
      prompt_tokens: 1200,
      completion_tokens: 6,
      total_tokens: 1206,
      prompt_tokens_details: { cached_tokens: 1024 },
    };
    const checkTimings = (t: Record<string, number | null> | undefined) => {
      expect(t).toMatchObject({ cache_n: 1024, prompt_n: 176, predicted_n: 6 });
      expect(t!.prompt_ms).toBeGreaterThanOrEqual(99);
      expect(t!.prompt_per_token_ms).toBeCloseTo(t!.prompt_ms! / 176, 6);
      expect(t!.prompt_per_second).toBeCloseTo((1000 * 176) / t!.prompt_ms!, 6);
      expect(t!.predicted_ms).toBeGreaterThanOrEqual(0);
      for (const key of ['predicted_per_token_ms', 'predicted_per_second']) expect(key in t!).toBe(true);
    };
    const withUsage = await events(
      await post(server, { ...user('cached'), stream: true, stream_options: { include_usage: true } }),
    );
    const [finish, last] = withUsage.data.slice(-2);
    expect(finish!.timings).toBeUndefined();
    expect(last).toMatchObject({ choices: [], usage });
    checkTimings(last!.timings);
    const plain = await events(await post(server, { ...user('cached'), stream: true }));
    expect(plain.data.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    checkTimings(plain.data.at(-1)!.timings);
    expect(plain.data.slice(0, -1).some((c) => c.timings)).toBe(false);
    const whole = (await (await post(server, user('cached'))).json()) as Chunk;
    expect(whole.usage).toEqual(usage);
    checkTimings(whole.timings);
    for (const stream of [true, false]) {
      const r = await chat(endpoint, ask('cached'), { ...bounded, stream });
      expect(r.usage).toEqual({
        promptTokens: 1200,
        completionTokens: 6,
        cachedTokens: 1024,
        estimated: false,
      });
    }
  });

  it('8. names the model file it serves, whatever the request asked, unless the script names a model', async () => {
    const { server, endpoint } = await serve();
    const { data } = await events(await post(server, { ...user('hello'), model: 'qwen', stream: true }));
    expect(new Set(data.map((c) => c.model))).toEqual(new Set([LLAMA_MODEL_PATH]));
    const whole = (await (await post(server, user('hello'))).json()) as Chunk;
    expect(whole.model).toBe(LLAMA_MODEL_PATH);
    expect(await (await fetch(`${server.baseURL}/models`)).json()).toMatchObject({
      data: [{ id: LLAMA_MODEL_PATH }],
    });
    expect((await chat(endpoint, ask('hello'), bounded)).model).toBe(LLAMA_MODEL_PATH);

    const named = await serve({ script: { ...SCRIPT, model: 'my-model.gguf' } });
    expect((await chat(named.endpoint, ask('hello'), bounded)).model).toBe('my-model.gguf');
  });

  it('9. fails mid-stream with a data: {"error":…} event and no [DONE]; before the first token, with a plain 500', async () => {
    const { server, endpoint } = await serve();
    const res = await post(server, { ...user('parse failure'), stream: true });
    expect(res.status).toBe(200);
    const { text, data, done } = await events(res);
    expect(done).toBe(false);
    expect(deltasOf(data.slice(0, -1))).toEqual([
      { role: 'assistant', content: null },
      { content: 'Part' },
      { content: 'ial ' },
    ]);
    expect(data.at(-1)).toEqual({
      error: { code: 500, message: 'Failed to parse input at pos 8', type: 'server_error' },
    });
    expect(text.endsWith('"type":"server_error"}}\n\n')).toBe(true);
    // Then the server drops the connection, though its headers said keep-alive: a second
    // request on the same socket gets no answer.
    const wire = await twoOnOneSocket(
      server,
      JSON.stringify({ ...user('parse failure'), stream: true }),
      JSON.stringify(user('hello')),
    );
    expect(wire).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(wire.toLowerCase()).toContain('connection: keep-alive');
    expect(wire).toContain('"message":"Failed to parse input at pos 8"');
    expect(wire.match(/HTTP\/1\.1 /g)).toHaveLength(1);

    const early = await raw(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...user('early failure'), stream: true }),
    });
    expect(early.status).toBe(500);
    expect(early.headers.connection).toBe('close');
    expect(JSON.parse(early.text)).toEqual({
      error: { code: 500, message: 'Internal Server Error', type: 'server_error' },
    });

    const streamed: string[] = [];
    const e = await failure(
      chat(endpoint, ask('parse failure'), { ...bounded, callbacks: { onContent: (d) => streamed.push(d) } }),
    );
    expect(e).toMatchObject({ kind: 'http', status: 500 });
    expect(e.message).toContain('Failed to parse input at pos 8');
    expect(streamed.join('')).toBe('Partial ');
  });

  it('10. answers a body that is not JSON with a 500 in nlohmann::json words', async () => {
    const { server } = await serve();
    const bad = async (body: string) => {
      const r = await raw(`${server.baseURL}/chat/completions`, { method: 'POST', body });
      expect(r.status).toBe(500);
      expect(r.headers.connection).toBe('close');
      const parsed = JSON.parse(r.text) as { error: { code: number; type: string; message: string } };
      expect(parsed.error).toMatchObject({ code: 500, type: 'server_error' });
      return parsed.error.message;
    };
    expect(await bad('not json')).toBe(
      "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error while parsing value - invalid literal; last read: 'no'",
    );
    expect(await bad('')).toBe(
      '[json.exception.parse_error.101] parse error at line 1, column 1: attempting to parse an empty input; check that your input string or stream contains the expected JSON',
    );
    expect(await bad('{"model": ')).toBe(
      "[json.exception.parse_error.101] parse error at line 1, column 11: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal",
    );
    expect(server.requests.map((r) => r.status)).toEqual([500, 500, 500]);
  });

  it('10. words the common parse errors as nlohmann::json does', () => {
    expect(jsonParseErrorMessage('{"a": tru}')).toBe(
      "[json.exception.parse_error.101] parse error at line 1, column 10: syntax error while parsing value - invalid literal; last read: 'tru}'",
    );
    expect(jsonParseErrorMessage('{\n  "a": 1,\n  x')).toMatch(
      /^\[json\.exception\.parse_error\.101\] parse error at line 3, column 3: /,
    );
    expect(jsonParseErrorMessage('{} {}')).toMatch(/unexpected '\{'; expected end of input$/);
  });

  it('11. closes the connection after every error response, and keeps it after a good one', async () => {
    const { server } = await serve({ fault: { kind: 'status', status: 500, message: 'boom', times: 1 } });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const failed = await raw(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(user('hello')),
      agent,
    });
    expect(failed.status).toBe(500);
    expect(failed.headers.connection).toBe('close');
    await failed.closed;
    const missing = await raw(`${server.url}/props`, { agent });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toEqual({
      error: { code: 404, message: 'File Not Found', type: 'not_found_error' },
    });
    expect(missing.headers.connection).toBe('close');
    await missing.closed;
    const fine = await raw(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(user('hello')),
      agent,
    });
    expect(fine.status).toBe(200);
    expect(fine.headers.connection).toBe('keep-alive');
  });

  it('12. never splits a multi-byte character across chunks, max_tokens cuts included', async () => {
    const { server, endpoint } = await serve();
    const text = 'héllo 😀👍🏽 wörld ✓ 日本語 🇫🇷!';
    const res = await post(server, { ...user('unicode'), stream: true });
    const bytes = new Uint8Array(await res.arrayBuffer());
    // Valid UTF-8 throughout, and no escaped half of a surrogate pair in any chunk.
    const body = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    expect(body).not.toMatch(/\\ud[89a-f]/i);
    const { data } = await events(new Response(body));
    const pieces = deltasOf(data).map((d) => (d.content as string | null) ?? '');
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    expect(pieces.some((p) => lone.test(p))).toBe(false);
    expect(pieces.join('')).toBe(text);
    expect((await chat(endpoint, ask('unicode'), bounded)).content).toBe(text);
    // Five emoji are ten UTF-16 units: one token is four of them, never three and a half.
    const cut = await chat(endpoint, ask('emoji', { maxTokens: 1 }), bounded);
    expect(cut).toMatchObject({ content: '😀😀😀😀', finishReason: 'length' });
  });
});
