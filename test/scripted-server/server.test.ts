import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot, tsxLoader } from '../helpers/git-repo.js';
import { tempFolder } from '../helpers/tmp.js';
import {
  busyFraction,
  startScriptedServer,
  type ScriptedServer,
  type ScriptedServerOptions,
} from '../../src/scripted-server/index.js';

const scripts = path.join(projectRoot, 'fixtures/scripts');
const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(opts: Partial<ScriptedServerOptions> = {}) {
  const server = await startScriptedServer({
    script: path.join(scripts, 'hello.json'),
    dialect: 'mlx',
    ...opts,
  });
  servers.push(server);
  return server;
}

function post(server: ScriptedServer, body: Record<string, unknown>, signal?: AbortSignal) {
  return fetch(`${server.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'scripted-model', max_tokens: 50, ...body }),
    signal: signal ?? AbortSignal.timeout(3000),
  });
}

const user = (content: string) => ({ messages: [{ role: 'user', content }] });

/** The raw SSE events of a streamed answer: comments and parsed data. */
async function events(res: Response): Promise<{ comments: string[]; data: unknown[]; done: boolean }> {
  const text = await res.text();
  const blocks = text.split('\n\n').filter(Boolean);
  const comments = blocks.filter((b) => b.startsWith(':'));
  const datas = blocks.filter((b) => b.startsWith('data: ')).map((b) => b.slice(6));
  const done = datas.at(-1) === '[DONE]';
  return { comments, data: datas.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as unknown), done };
}

type Chunk = { choices: { delta: Record<string, unknown>; finish_reason: string | null }[]; usage?: unknown };

describe('dialects', { timeout: 5000 }, () => {
  it('mlx: role in every delta, keepalive comments, usage only on request', async () => {
    const server = await serve();
    const plain = await events(await post(server, { ...user('hello'), stream: true }));
    expect(plain.done).toBe(true);
    expect(plain.comments[0]).toMatch(/^: keepalive 0\/\d+$/);
    const chunks = plain.data as Chunk[];
    expect(chunks.every((c) => c.choices[0]?.delta.role === 'assistant')).toBe(true);
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');

    const asked = await events(
      await post(server, { ...user('hello'), stream: true, stream_options: { include_usage: true } }),
    );
    expect(asked.data.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 2, completion_tokens: 8 },
    });
  });

  it('llamacpp: reasoning_content, role only first', async () => {
    // Loading (503 everywhere) and the other llama-server points: llamacpp-fidelity.test.ts.
    const server = await serve({ dialect: 'llamacpp', script: path.join(scripts, 'reasoning.json') });
    const { data } = await events(await post(server, { ...user('field'), stream: true }));
    const deltas = (data as Chunk[]).map((c) => c.choices[0]?.delta);
    expect(deltas[0]).toEqual({ role: 'assistant', content: null });
    expect(deltas[1]).toEqual({ reasoning_content: 'The ' });
  });

  it('mlx: /health is ok while loading, and completions wait until loaded', async () => {
    // The server's clock, read before it starts: it cannot answer before 300 ms after that, and a
    // slow machine only makes the answer later, never earlier (1 ms for timer rounding).
    const before = performance.timeOrigin + performance.now();
    const server = await serve({ loadMs: 300 });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const res = await post(server, user('hello'));
    expect(performance.timeOrigin + performance.now() - before).toBeGreaterThanOrEqual(299);
    expect(
      ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content,
    ).toBe('Hello! I am a scripted model.');
  });

  it('answers unknown models with each dialect’s 404 and lists the served model', async () => {
    const bodies: Record<string, unknown> = {};
    for (const dialect of ['mlx', 'ollama', 'openai', 'llamacpp'] as const) {
      const server = await serve({ dialect });
      const res = await post(server, { ...user('hello'), model: 'nope' });
      bodies[dialect] = [res.status, await res.json()];
    }
    expect(bodies).toEqual({
      mlx: [404, { error: 'Repository Not Found for nope (this server serves scripted-model)' }],
      ollama: [
        404,
        { error: { message: 'model "nope" not found, try pulling it first', type: 'invalid_request_error' } },
      ],
      openai: [
        404,
        {
          error: {
            message: 'The model `nope` does not exist.',
            type: 'not_found_error',
            param: null,
            code: null,
          },
        },
      ],
      llamacpp: [200, expect.objectContaining({ object: 'chat.completion' })],
    });
    const models = await (await fetch(`${servers[0]!.baseURL}/models`)).json();
    expect(models).toMatchObject({ object: 'list', data: [{ id: 'scripted-model' }] });
  });
});

describe('scripts', { timeout: 5000 }, () => {
  it('chooses by substring, system message, regex, then the default; plays `once` replies in order', async () => {
    const server = await serve({
      script: {
        replies: [
          { match: { last: 'tool' }, content: 'after tool' },
          { once: true, match: 'step', content: 'first' },
          { once: true, match: 'step', content: 'second' },
          { match: { system: 'terse' }, content: 'ok' },
          { match: { regex: '^count to \\d+$', flags: 'i' }, content: '1 2 3' },
        ],
        default: { content: 'default' },
      },
    });
    const say = async (body: Record<string, unknown>) =>
      ((await (await post(server, body)).json()) as { choices: { message: { content: string } }[] })
        .choices[0]!.message.content;
    expect(await say(user('step'))).toBe('first');
    expect(await say(user('step'))).toBe('second');
    expect(await say(user('step'))).toBe('default');
    expect(
      await say({
        messages: [
          { role: 'system', content: 'be terse' },
          { role: 'user', content: 'hi' },
        ],
      }),
    ).toBe('ok');
    expect(await say(user('Count to 3'))).toBe('1 2 3');
    expect(
      await say({
        messages: [
          { role: 'user', content: 'x' },
          { role: 'tool', content: 'y' },
        ],
      }),
    ).toBe('after tool');
    expect(server.requests.map((r) => r.replyIndex)).toEqual([1, 2, -1, 3, 4, 0]);
  });

  it('applies a server-wide fault to the first N requests only', async () => {
    const server = await serve({ fault: { kind: 'status', status: 500, times: 2 } });
    expect((await post(server, user('hello'))).status).toBe(500);
    expect(await (await post(server, user('hello'))).json()).toEqual({ error: 'Internal Server Error' });
    expect((await post(server, user('hello'))).status).toBe(200);
  });

  it('rejects a script with a clear message', async () => {
    await expect(
      startScriptedServer({ script: { replies: [{ fault: 'explode' }] } as never, dialect: 'mlx' }),
    ).rejects.toThrow(/replies\[0\]\.fault|replies/);
  });
});

describe('replies from a file', { timeout: 10000 }, () => {
  it('streams contentFile (relative to the script) in chunkChars pieces, repeat times; whole when not streaming; bodyFile raw', async () => {
    const tmp = await tempFolder('scripted-file');
    const dir = tmp.path;
    try {
      await writeFile(path.join(dir, 'reply.txt'), 'héllo \u001b[2J wörld\n');
      await writeFile(path.join(dir, 'body.sse'), ': hand-made\n\ndata: [DONE]\n\n');
      const script = path.join(dir, 'script.json');
      await writeFile(
        script,
        JSON.stringify({
          replies: [{ match: 'raw', bodyFile: 'body.sse' }],
          default: { contentFile: 'reply.txt', repeat: 3, chunkChars: 5 },
        }),
      );
      const server = await serve({ script, dialect: 'llamacpp' });
      const streamed = await events(await post(server, { ...user('hi'), stream: true }));
      const chunks = streamed.data as Chunk[];
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      expect(text).toBe('héllo \u001b[2J wörld\n'.repeat(3));
      expect(chunks.length).toBeGreaterThan(10);
      expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
      expect(streamed.done).toBe(true);
      const whole = (await (await post(server, user('hi'))).json()) as {
        choices: { message: { content: string } }[];
        usage: { completion_tokens: number };
      };
      expect(whole.choices[0]!.message.content).toBe('héllo \u001b[2J wörld\n'.repeat(3));
      expect(whole.usage.completion_tokens).toBeGreaterThan(0);
      expect(await (await post(server, { ...user('raw'), stream: true })).text()).toBe(
        ': hand-made\n\ndata: [DONE]\n\n',
      );
      expect(server.requests.map((r) => r.bytesSent)).toEqual([expect.any(Number), expect.any(Number), 27]);
    } finally {
      await tmp.remove();
    }
  });
});

describe('latency model', { timeout: 5000 }, () => {
  it('serves N slots at once, one after the other, and queues the rest', async () => {
    // 'hello' is 2 prompt tokens (100 ms of prefill) and 8 completion tokens (80 ms of decoding).
    const server = await serve({ latency: { prefillTps: 20, decodeTps: 100, slots: 1 } });
    await Promise.all(
      [0, 1, 2].map(() => post(server, { ...user('hello'), stream: true }).then((r) => r.text())),
    );
    // The server's own record, not a stopwatch around it: one after the other, each at least its
    // 180 ms of service, with no idle gap between them.
    const [a, b, c] = server.requests;
    expect(b!.startedAt!).toBeGreaterThanOrEqual(a!.endedAt! - 1);
    expect(c!.startedAt!).toBeGreaterThanOrEqual(b!.endedAt! - 1);
    for (const r of server.requests) expect(r.endedAt! - r.startedAt!).toBeGreaterThanOrEqual(170);
  });

  it('computes the busy fraction: served time over the time from the first arrival to the last end', () => {
    // Records as the server keeps them; a loaded machine's gaps belong to the bench, not here.
    type Recorded = Parameters<typeof busyFraction>[0][number];
    const at = (arrivedAt: number, startedAt: number, endedAt: number) =>
      ({ arrivedAt, startedAt, endedAt }) as Recorded;
    expect(busyFraction([at(0, 0, 100), at(0, 100, 200), at(0, 250, 300)])).toBeCloseTo(250 / 300);
    expect(busyFraction([at(0, 10, 60), at(5, 20, 50)])).toBeCloseTo(50 / 60);
  });

  it('serves two slots in parallel', async () => {
    // 200 ms of prefill and 80 ms of decoding each: together well under the 560 ms of one after the other.
    const server = await serve({ latency: { prefillTps: 10, decodeTps: 100, slots: 2 } });
    await Promise.all([0, 1].map(() => post(server, user('hello')).then((r) => r.text())));
    // In parallel: the second started before the first ended (each lasts at least 280 ms).
    const [a, b] = server.requests;
    expect(b!.startedAt!).toBeLessThan(a!.endedAt!);
  });

  it('lets a waiting request leave the line when its client goes away', async () => {
    const server = await serve({ latency: { prefillTps: 10, decodeTps: 100, slots: 1 } });
    const first = post(server, user('hello')).then((r) => r.text());
    while (server.requests[0]?.startedAt === undefined) await new Promise((r) => setTimeout(r, 5));
    const abort = new AbortController();
    const second = post(server, user('hello'), abort.signal).catch(() => 'aborted');
    // Waiting in line: it has arrived while the only slot is busy.
    while (server.requests[1] === undefined) await new Promise((r) => setTimeout(r, 5));
    expect(server.requests[0]!.endedAt).toBeUndefined();
    abort.abort();
    expect(await second).toBe('aborted');
    await first;
    expect(server.requests[1]!.clientClosed).toBe(true);
    expect(server.requests[1]!.startedAt).toBeUndefined();
  });
});

describe('the CLI', () => {
  it('prints a line when listening, serves, and exits cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        tsxLoader,
        path.join(projectRoot, 'src/scripted-server/cli.ts'),
        ...[
          '--host',
          '127.0.0.1',
          '--port',
          '0',
          '--script',
          path.join(scripts, 'hello.json'),
          '--dialect',
          'mlx',
        ],
        ...[
          '--model',
          'cli-model',
          '--load-ms',
          '0',
          '--prefill-tps',
          '1000',
          '--decode-tps',
          '1000',
          '--slots',
          '1',
        ],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}`)));
        setTimeout(() => reject(new Error('no listening line within 60s')), 60_000);
      });
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'cli-model', messages: [{ role: 'user', content: 'hello' }] }),
        signal: AbortSignal.timeout(30_000),
      });
      expect(res.status).toBe(200);
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
