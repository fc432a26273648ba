import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { cleanupTemps, runCli } from '../helpers/git-repo.js';
import { scriptedCommand, serverSandbox } from '../helpers/server-env.js';
import { chat } from '../../src/llm/client.js';
import { pidAlive, serverHome } from '../../src/llm/state.js';

const started: { dir: string; env: NodeJS.ProcessEnv }[] = [];

afterEach(async () => {
  for (const s of started.splice(0)) await runCli(s.dir, ['server', 'stop', '--grace', '1'], s.env);
});
afterAll(cleanupTemps);

async function sandbox(server: Record<string, unknown> = {}) {
  const s = await serverSandbox(server);
  started.push(s);
  return s;
}

/** The server's own folder: state is kept per baseURL. */
const homeOf = (s: { env: NodeJS.ProcessEnv; baseURL: string }) =>
  serverHome(s.baseURL, s.env.FACTORY_STATE_DIR!);
const stateOf = async (s: { env: NodeJS.ProcessEnv; baseURL: string }) =>
  JSON.parse(await readFile(path.join(homeOf(s), 'server.json'), 'utf8'));

describe('factory server', () => {
  it('starts, answers through the front, reports status, and stops everything', async () => {
    const s = await sandbox();
    const start = await runCli(s.dir, ['server', 'start', '--json'], s.env);
    expect(start.stderr).toBe('');
    expect(start.code).toBe(0);
    const state = JSON.parse(start.stdout);
    expect(state.phase).toBe('ready');
    expect(pidAlive(state.daemonPid) && pidAlive(state.modelPid)).toBe(true);
    // The front's token is in the state file only, never in what start prints.
    const { token } = await stateOf(s);
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(state).not.toHaveProperty('token');
    expect(start.stdout).not.toContain(token);

    const ask = (apiKey: string) =>
      chat(
        { baseURL: s.baseURL, apiKey, model: 'scripted-model', concurrency: 1 },
        { messages: [{ role: 'user', content: 'hello there' }], maxTokens: 50 },
        { task: 'task-1' },
      );
    await expect(ask('local')).rejects.toMatchObject({ status: 401 });
    const r = await ask(token);
    expect(r.content).toBe('Hello! I am a scripted model.');

    const status = await runCli(s.dir, ['server', 'status'], s.env);
    expect(status.stdout).not.toContain(token);
    expect(status.stdout).toContain('factory server: scripted-model');
    expect(status.stdout).toContain('health   ok');
    expect(status.stdout).toMatch(/queue\s+0 waiting, 0 running, [1-9]\d* done/);
    const jsonText = (await runCli(s.dir, ['server', 'status', '--json'], s.env)).stdout;
    expect(jsonText).not.toContain(token);
    const json = JSON.parse(jsonText);
    expect(json.front.queue.tasks.map((t: { task: string }) => t.task)).toContain('task-1');

    const logs = await runCli(s.dir, ['server', 'logs'], s.env);
    expect(logs.code).toBe(0);
    expect(logs.stdout.length).toBeGreaterThan(0);

    const stop = await runCli(s.dir, ['server', 'stop'], s.env);
    expect(stop.stdout).toContain('stopped the factory server');
    expect(pidAlive(state.daemonPid)).toBe(false);
    expect(pidAlive(state.modelPid)).toBe(false);
    expect((await runCli(s.dir, ['server', 'status'], s.env)).stdout).toContain(
      'no factory server is running',
    );
  });

  it('refuses a second start, and cleans up a stale state file whose processes are dead', async () => {
    const s = await sandbox();
    expect((await runCli(s.dir, ['server', 'start'], s.env)).code).toBe(0);
    const again = await runCli(s.dir, ['server', 'start'], s.env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('a factory server is already running');
    await runCli(s.dir, ['server', 'stop'], s.env);

    await mkdir(homeOf(s), { recursive: true });
    const dead = { daemonPid: 999_999, modelPid: 999_998, host: '127.0.0.1', frontPort: s.port, model: 'x' };
    await writeFile(path.join(homeOf(s), 'server.json'), JSON.stringify(dead));
    const status = await runCli(s.dir, ['server', 'status'], s.env);
    expect(status.stdout).toContain('cleaned up the state of one that died');
    await writeFile(path.join(homeOf(s), 'server.json'), JSON.stringify(dead));
    expect((await runCli(s.dir, ['server', 'start'], s.env)).code).toBe(0);
  });

  it('restarts a crashed model server by itself, and status shows the new one (issue 11)', async () => {
    const s = await sandbox();
    const state = JSON.parse((await runCli(s.dir, ['server', 'start', '--json'], s.env)).stdout);
    process.kill(-state.modelPid, 'SIGKILL');
    // The state file is cheap to poll; the supervisor records the new model server there.
    for (let i = 0; i < 1200; i++) {
      const now = await stateOf(s);
      if (now.modelPid && now.modelPid !== state.modelPid && !now.error) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const fresh = await stateOf(s);
    expect(fresh.modelPid).not.toBe(state.modelPid);
    expect(pidAlive(fresh.modelPid)).toBe(true);
    expect(fresh.daemonPid).toBe(state.daemonPid);
    const status = await runCli(s.dir, ['server', 'status', '--json'], s.env);
    const json = JSON.parse(status.stdout);
    expect(json.health).toBe('ok');
    expect(json.front.modelServer.restarts).toBe(1);
  });

  it('says how to install mlx-lm when the server binary is missing', async () => {
    const s = await sandbox({ command: ['mlx_lm.server', '--model', '{model}', '--port', '{port}'] });
    const r = await runCli(s.dir, ['server', 'start'], { ...s.env, PATH: '/usr/bin:/bin' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('mlx_lm.server is not installed');
    expect(r.stderr).toContain('pip install mlx-lm');
    expect((await runCli(s.dir, ['server', 'status'], s.env)).stdout).toContain(
      'no factory server is running',
    );
  });

  it('waits for real readiness: a model that loads slowly is not ready just because /health answers', async () => {
    const s = await sandbox({ command: scriptedCommand(['--load-ms', '1500']) });
    const t0 = Date.now();
    const r = await runCli(s.dir, ['server', 'start', '--json'], s.env);
    expect(r.code).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    expect((await stateOf(s)).phase).toBe('ready');
  });

  it('says why a model server did not start in its own words, and names the log once (issue 11)', async () => {
    // A real child process that fails the way llama-server does when the model file is missing.
    const lines = [
      'build: 34af94cd (gcc 13.2.0) for x86_64-linux-gnu',
      'llama_model_load: error loading model: failed to open /models/missing.gguf: No such file',
      "common_init_from_params: failed to load model '/models/missing.gguf'",
      "srv    load_model: failed to load model, '/models/missing.gguf'",
      'main: exiting due to model loading error',
    ];
    const script = `${lines.map((l) => `console.error(${JSON.stringify(l)});`).join(' ')} process.exit(1);`;
    const s = await sandbox({
      command: [process.execPath, '-e', script, 'llama-server', '--port', '{port}'],
    });
    // An earlier start's lines stay in the log: only this start's are quoted.
    await mkdir(homeOf(s), { recursive: true });
    await writeFile(path.join(homeOf(s), 'server.log'), 'old run: error: something long gone\n');
    const r = await runCli(s.dir, ['server', 'start'], s.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the model server did not start');
    expect(r.stderr).toContain('exited (code 1)');
    expect(r.stderr).toContain("srv    load_model: failed to load model, '/models/missing.gguf'");
    expect(r.stderr).toContain('main: exiting due to model loading error');
    expect(r.stderr).not.toContain('something long gone');
    expect(r.stderr).not.toContain('build: 34af94cd');
    const log = path.join(homeOf(s), 'server.log');
    expect(r.stderr.split(log).length - 1).toBe(1);
  });

  it('refuses to start when server.command is null', async () => {
    const s = await sandbox({ command: null });
    const r = await runCli(s.dir, ['server', 'start'], s.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('server.command is null');
  });
});
