/**
 * Who may use the queue front: only local factory clients that show the server's token. Every
 * refusal is checked over real HTTP (node's http.request, so Host and Origin can be anything), and
 * the scripted model server behind the front must never have seen the refused request.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import path from 'node:path';
import { startFront, type Front } from '../../src/llm/front.js';
import { newFrontToken, sameToken } from '../../src/llm/front-token.js';
import { RequestQueue } from '../../src/llm/queue.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import { projectRoot } from '../helpers/git-repo.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * One request to the front with exactly these headers (node adds Host only when it is not given),
 * and the path exactly as written (a URL would resolve `..`).
 */
function send(
  front: Front,
  route: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(front.url);
    const req = http.request({
      hostname,
      port,
      path: route,
      method: opts.method ?? 'GET',
      headers: opts.headers,
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (s: string) => (text += s));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const chatBody = JSON.stringify({
  model: 'scripted-model',
  stream: false,
  max_tokens: 20,
  messages: [{ role: 'user', content: 'hello' }],
});

let model: ScriptedServer;
let front: Front;
let queue: RequestQueue;
const token = newFrontToken();
const auth = { authorization: `Bearer ${token}` };
const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  model = await startScriptedServer({
    script: path.join(projectRoot, 'fixtures/scripts/hello.json'),
    dialect: 'llamacpp',
  });
  queue = new RequestQueue([
    { baseURL: model.baseURL, apiKey: 'model-key', model: 'scripted-model', concurrency: 1 },
  ]);
  front = await startFront({ host: '127.0.0.1', port: 0, queue, token, status: () => ({ model: 'm' }) });
});
afterAll(async () => {
  await front.close();
  queue.close();
  await model.close();
});
afterEach(() => {
  model.hits.length = 0;
  model.requests.length = 0;
});

/** The refusal as the client gets it: its status and the reason in the JSON error body. */
function refusal(a: Answer): { status: number; type: string; message: string } {
  expect(a.headers['content-type']).toBe('application/json');
  const body = JSON.parse(a.text) as { error: { type: string; message: string; code: number } };
  expect(body.error.code).toBe(a.status);
  return { status: a.status, type: body.error.type, message: body.error.message };
}

describe('the queue front serves its own clients', () => {
  it('forwards a chat request that shows the token, with the model server’s key instead of the token', async () => {
    const a = await send(front, '/v1/chat/completions', {
      method: 'POST',
      headers: { ...auth, ...json },
      body: chatBody,
    });
    expect(a.status, a.text).toBe(200);
    expect(JSON.parse(a.text).choices[0].message.content).toBe('Hello! I am a scripted model.');
    expect(model.hits).toEqual([{ method: 'POST', path: '/v1/chat/completions' }]);
    // The token stays between factory and its front.
    expect(model.requests[0]!.headers.authorization).toBe('Bearer model-key');
    expect(JSON.stringify(model.requests[0]!.headers)).not.toContain(token);
  });

  it('answers its status to a client with the token, under either loopback name, and never shows the token', async () => {
    const port = new URL(front.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      const a = await send(front, '/factory/status', { headers: { ...auth, host } });
      expect(a.status, host).toBe(200);
      expect(JSON.parse(a.text)).toMatchObject({ model: 'm', queue: { total: {} } });
      expect(a.text).not.toContain(token);
    }
    const health = await send(front, '/health', { headers: auth });
    expect(health.status).toBe(200);
    expect(model.hits).toEqual([]);
  });

  it('forwards the listed routes of the model server to the right place: /v1 routes under its API root, the others beside it', async () => {
    for (const [method, route] of [
      ['GET', '/v1/models'],
      ['GET', '/props'],
      ['GET', '/api/version'],
      ['GET', '/api/v0/models'],
    ] as const)
      await send(front, route, { method, headers: auth });
    await send(front, '/api/show', { method: 'POST', headers: { ...auth, ...json }, body: '{"model":"m"}' });
    expect(model.hits).toEqual([
      { method: 'GET', path: '/v1/models' },
      { method: 'GET', path: '/props' },
      { method: 'GET', path: '/api/version' },
      { method: 'GET', path: '/api/v0/models' },
      { method: 'POST', path: '/api/show' },
    ]);
  });
});

describe('the queue front refuses everyone else, before the model server sees anything', () => {
  it('401 without a token', async () => {
    const a = await send(front, '/v1/chat/completions', { method: 'POST', headers: json, body: chatBody });
    const r = refusal(a);
    expect(r).toMatchObject({ status: 401, type: 'factory_front_refused' });
    expect(r.message).toContain('no token');
    expect(a.headers['www-authenticate']).toContain('Bearer');
    expect(model.hits).toEqual([]);
  });

  it('401 with a wrong token, of the same length or not, and with another scheme', async () => {
    const same = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const authorization of [`Bearer ${same}`, 'Bearer local', `Basic ${token}`, token]) {
      const a = await send(front, '/v1/chat/completions', {
        method: 'POST',
        headers: { authorization, ...json },
        body: chatBody,
      });
      expect(refusal(a).status, authorization).toBe(401);
    }
    // Its status is the user's business too: which tasks run, how fast.
    expect(refusal(await send(front, '/factory/status')).status).toBe(401);
    expect(model.hits).toEqual([]);
  });

  it('403 for a Host that is not the front’s own address (DNS rebinding), even with the token', async () => {
    const port = new URL(front.url).port;
    for (const host of [`attacker.example:${port}`, '127.0.0.1', `127.0.0.1:${Number(port) + 1}`]) {
      const a = await send(front, '/v1/chat/completions', {
        method: 'POST',
        headers: { ...auth, ...json, host },
        body: chatBody,
      });
      const r = refusal(a);
      expect(r.status, host).toBe(403);
      expect(r.message).toContain('Host');
    }
    expect(model.hits).toEqual([]);
  });

  it('403 for a request from a web page (an Origin header), even with the token', async () => {
    const fromPages: Record<string, string>[] = [
      { origin: 'https://attacker.example' },
      { origin: 'null' },
      { origin: front.url },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of fromPages) {
      const a = await send(front, '/v1/chat/completions', {
        method: 'POST',
        headers: { ...auth, ...json, ...headers },
        body: chatBody,
      });
      const r = refusal(a);
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(r.message).toContain('web page');
    }
    expect(model.hits).toEqual([]);
  });

  it('415 for a body that is not application/json (the "simple" cross-origin POST types), even with the token', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      undefined,
    ]) {
      const a = await send(front, '/v1/chat/completions', {
        method: 'POST',
        headers: { ...auth, ...(type ? { 'content-type': type } : {}) },
        body: chatBody,
      });
      const r = refusal(a);
      expect(r.status, type).toBe(415);
      expect(r.message).toContain('application/json');
    }
    // A JSON type with parameters is JSON.
    const ok = await send(front, '/v1/chat/completions', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'Application/JSON; charset=utf-8' },
      body: chatBody,
    });
    expect(ok.status).toBe(200);
    expect(model.hits).toHaveLength(1);
  });

  it('404 for a route factory does not use, 405 for a listed route with another method, even with the token', async () => {
    for (const route of [
      '/v1/completions',
      '/v1/embeddings',
      '/api/pull',
      '/slots',
      '/v1/../props',
      '//v1/models',
      '/',
    ]) {
      const r = refusal(
        await send(front, route, { method: 'POST', headers: { ...auth, ...json }, body: '{}' }),
      );
      expect(r.status, route).toBe(404);
      expect(r.message).toContain('not a route');
    }
    const wrong = await send(front, '/v1/chat/completions', { headers: auth });
    expect(refusal(wrong).status).toBe(405);
    expect(wrong.headers.allow).toBe('POST');
    expect(model.hits).toEqual([]);
  });

  it('answers the refusals on a connection that goes on serving the token holder', async () => {
    const keep = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const one = (headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const req = http.request(`${front.url}/v1/chat/completions`, {
            method: 'POST',
            agent: keep,
            headers,
          });
          req.on('response', (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end(chatBody);
        });
      expect(await one({ 'content-type': 'text/plain', ...auth })).toBe(415);
      expect(await one(json)).toBe(401);
      expect(await one({ ...json, ...auth })).toBe(200);
    } finally {
      keep.destroy();
    }
    expect(model.hits).toHaveLength(1);
  });
});

describe('the token', () => {
  it('is new at every start, long, and compared whole', () => {
    const a = newFrontToken();
    expect(a).not.toBe(newFrontToken());
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sameToken(a, a)).toBe(true);
    expect(sameToken(a.slice(0, -1), a)).toBe(false);
    expect(sameToken(`${a}x`, a)).toBe(false);
    expect(sameToken('', a)).toBe(false);
  });
});
