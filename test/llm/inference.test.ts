import { afterAll, afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import path from 'node:path';
import { connectInference, queuedChat, type ServerSettings } from '../../src/llm/inference.js';
import { startFront, type Front } from '../../src/llm/front.js';
import { RequestQueue } from '../../src/llm/queue.js';
import { readState, pidAlive, serverHome } from '../../src/llm/state.js';
import { stopServer } from '../../src/llm/lifecycle.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import { cleanupTemps, projectRoot, runCli, tempDir, tsxLoader } from '../helpers/git-repo.js';
import { freePort, scriptedCommand, serverSandbox } from '../helpers/server-env.js';
import { waitFor } from '../e2e/support.js';

const daemonCommand = [
  process.execPath,
  '--import',
  tsxLoader,
  path.join(projectRoot, 'src/cli/main.ts'),
  'server',
  '__daemon',
];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(cleanupTemps);

async function settings(over: Partial<ServerSettings> = {}): Promise<ServerSettings> {
  return {
    baseURL: `http://127.0.0.1:${await freePort()}/v1`,
    model: 'scripted-model',
    apiKey: 'local',
    command: scriptedCommand(),
    concurrency: 1,
    idleShutdown: 10,
    endpoints: [],
    ...over,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('connecting to inference', () => {
  it('uses an in-process queue, and says so, when there is no front and no server command', async () => {
    const s = await settings({ command: null });
    const inf = await connectInference(s, { daemonCommand, stateDir: await tempDir() });
    expect(inf.mode).toBe('in-process');
    expect(inf.note).toContain('using an in-process queue');
  });

  it('learns a llama-server’s slots for the in-process queue, and keeps the configured concurrency elsewhere', async () => {
    const llama = await startScriptedServer({
      script: { replies: [{ content: 'ok' }] },
      dialect: 'llamacpp',
      cost: { slots: 3, prefillMsPerToken: 1, decodeMsPerToken: 1, timeScale: 0 },
    });
    cleanups.push(() => llama.close());
    const inf = await connectInference(await settings({ baseURL: llama.baseURL, command: null }), {
      daemonCommand,
      stateDir: await tempDir(),
    });
    cleanups.push(async () => inf.queue.close());
    expect(inf.queue.metrics().endpoints[0]).toMatchObject({ concurrency: 3 });
    const plain = await connectInference(await settings({ command: null, concurrency: 2 }), {
      daemonCommand,
      stateDir: await tempDir(),
    });
    cleanups.push(async () => plain.queue.close());
    expect(plain.queue.metrics().endpoints[0]).toMatchObject({ concurrency: 2 });
  });

  it('warns in one line when an endpoint is not on this machine', async () => {
    const warnings: string[] = [];
    const s = await settings({ command: null, endpoints: [{ baseURL: 'http://gpu-box.invalid:8000/v1' }] });
    await connectInference(s, { daemonCommand, stateDir: await tempDir(), warn: (l) => warnings.push(l) });
    expect(warnings).toEqual([
      'warning: http://gpu-box.invalid:8000/v1 is not on this machine; your code will be sent to it',
    ]);
  });

  it('auto-starts the server, uses its front, and the server stops itself when idle', async () => {
    const stateDir = await tempDir();
    const s = await settings({ idleShutdown: 0.04 });
    const home = serverHome(s.baseURL, stateDir);
    cleanups.push(() => stopServer(home, 500));
    const inf = await connectInference(s, { daemonCommand, stateDir });
    expect(inf.mode).toBe('front');
    const state = (await readState(home))!;
    expect(state.startedBy).toBe('auto');
    // The front's token, made by the server it started, is what this process shows the front.
    expect(state.token).toMatch(/^[\w-]{43}$/);
    expect(inf.token).toBe(state.token);
    const r = await queuedChat(inf, 'task-a', {
      messages: [{ role: 'user', content: 'hello' }],
      maxTokens: 20,
    });
    expect(r.content).toBe('Hello! I am a scripted model.');
    // A second process finds the same front instead of starting another server.
    const again = await connectInference(s, { daemonCommand, stateDir });
    expect(again.note).toContain('using the factory server');
    expect(again.token).toBe(state.token);
    for (let i = 0; i < 100 && (await readState(home)); i++) await sleep(100);
    expect(await readState(home)).toBeNull();
    // The daemon stops its model server, then exits: on a loaded machine that takes a while.
    await waitFor(
      'the idle server to exit',
      60_000,
      () => !pidAlive(state.daemonPid) && !pidAlive(state.modelPid),
    );
  });

  it('never idle-stops a server the user started by hand', async () => {
    const s = await serverSandbox({ idleShutdown: 0.02 });
    cleanups.push(() => runCli(s.dir, ['server', 'stop'], s.env));
    const started = await runCli(s.dir, ['server', 'start'], s.env);
    expect(started.code, started.stderr).toBe(0);
    // A server started automatically afterwards, with the same idle time: once it has idle-stopped,
    // the hand-started one has been idle longer, however slow the machine is.
    const auto = await settings({ idleShutdown: 0.02 });
    const autoState = await tempDir();
    const autoHome = serverHome(auto.baseURL, autoState);
    cleanups.push(() => stopServer(autoHome, 500));
    const inf = await connectInference(auto, { daemonCommand, stateDir: autoState });
    expect(inf.mode).toBe('front');
    for (let i = 0; i < 300 && (await readState(autoHome)); i++) await sleep(100);
    expect(await readState(autoHome)).toBeNull();
    const state = await readState(serverHome(s.baseURL, s.env.FACTORY_STATE_DIR!));
    expect(state?.startedBy).toBe('user');
    expect(pidAlive(state!.daemonPid)).toBe(true);
  });

  it('sends nothing extra to a server that is not a factory front (no state file): its own key only', async () => {
    const model = await startScriptedServer({
      script: path.join(projectRoot, 'fixtures/scripts/hello.json'),
      dialect: 'mlx',
    });
    cleanups.push(() => model.close());
    const s = await settings({ baseURL: model.baseURL, command: null, apiKey: 'users-key' });
    const inf = await connectInference(s, { daemonCommand, stateDir: await tempDir() });
    expect(inf.mode).toBe('in-process');
    expect(inf.token).toBeUndefined();
    await queuedChat(inf, 'task-a', { messages: [{ role: 'user', content: 'hello' }], maxTokens: 20 });
    expect(model.requests.map((r) => r.headers.authorization)).toEqual(['Bearer users-key']);
  });

  it('says so when a factory front answers but refuses this process (another state folder)', async () => {
    const queue = new RequestQueue([
      { baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k', model: 'm', concurrency: 1 },
    ]);
    const front = await startFront({ host: '127.0.0.1', port: 0, queue, token: 'not-yours' });
    cleanups.push(() => front.close());
    const stateDir = await tempDir();
    const s = await settings({ baseURL: `${front.url}/v1` });
    await expect(connectInference(s, { daemonCommand, stateDir })).rejects.toMatchObject({
      message: expect.stringContaining(`the factory server at ${front.url}/v1 refused this process`),
      hint: expect.stringContaining(stateDir),
    });
  });

  it('does not start a server with --no-server', async () => {
    const s = await settings();
    const inf = await connectInference(s, { daemonCommand, stateDir: await tempDir(), noServer: true });
    expect(inf.mode).toBe('in-process');
  });
});

describe('the queue front', () => {
  const TOKEN = 'front-test-token';
  const auth = { authorization: `Bearer ${TOKEN}` };
  async function frontOver(model: ScriptedServer): Promise<{ front: Front; queue: RequestQueue }> {
    const queue = new RequestQueue([
      { baseURL: model.baseURL, apiKey: 'k', model: 'scripted-model', concurrency: 1 },
    ]);
    const front = await startFront({
      host: '127.0.0.1',
      port: 0,
      queue,
      token: TOKEN,
      status: () => ({ model: 'scripted-model' }),
    });
    cleanups.push(() => front.close());
    return { front, queue };
  }

  it('passes a stream through chunk by chunk and reports queue metrics', async () => {
    const model = await startScriptedServer({
      script: path.join(projectRoot, 'fixtures/scripts/hello.json'),
      dialect: 'mlx',
      port: 0,
      latency: { prefillTps: 100_000, decodeTps: 40, slots: 1 },
    });
    cleanups.push(() => model.close());
    const { front } = await frontOver(model);
    const arrivals: number[] = [];
    const t0 = Date.now();
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${front.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'x-factory-task': 'stream-task' },
      });
      req.on('response', (res) => {
        res.on('data', () => arrivals.push(Date.now() - t0));
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(
        JSON.stringify({
          model: 'scripted-model',
          stream: true,
          stream_options: { include_usage: true },
          max_tokens: 50,
          messages: [{ role: 'user', content: 'hello' }],
        }),
      );
    });
    expect(arrivals.length).toBeGreaterThan(3);
    // The first token reached the client long before the last: nothing was buffered.
    expect(arrivals[arrivals.length - 1]! - arrivals[0]!).toBeGreaterThan(100);
    const status = (await (await fetch(`${front.url}/factory/status`, { headers: auth })).json()) as {
      model: string;
      queue: { total: { completed: number; completionTokens: number }; tasks: { task: string }[] };
    };
    expect(status.model).toBe('scripted-model');
    expect(status.queue.total.completed).toBe(1);
    expect(status.queue.total.completionTokens).toBeGreaterThan(0);
    expect(status.queue.tasks[0]!.task).toBe('stream-task');
  });

  it('answers with a clear error when the model server is gone', async () => {
    const queue = new RequestQueue(
      [{ baseURL: `http://127.0.0.1:${await freePort()}/v1`, apiKey: 'k', model: 'm', concurrency: 1 }],
      { retries: 1, baseDelayMs: 10 },
    );
    const front = await startFront({ host: '127.0.0.1', port: 0, queue, token: TOKEN });
    cleanups.push(() => front.close());
    const res = await fetch(`${front.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
    });
    // 503 "model server down": the client reports the server as unreachable (exit 3).
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body.error.type).toBe('model_server_down');
    expect(body.error.message).toContain('cannot reach the inference server at');
  });
});
