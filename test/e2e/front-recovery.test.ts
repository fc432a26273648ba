/**
 * Issue 11, defect 1: the model server dies mid-stream behind the queue front. `factory server
 * start` runs the scripted server as a real child process; the test kills its process group while
 * a task's Coder answer is streaming. The front must notice, free the slot, fail the task with
 * "the model server is down" (exit 3, never a hang or a timeout), restart the model server, and
 * serve the next task; after too many deaths it stops restarting and says so.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';
import { scriptedCommand, freePort } from '../helpers/server-env.js';
import { chat } from '../../src/llm/client.js';
import { LlmError } from '../../src/llm/errors.js';
import { pidAlive, serverHome, type ServerState } from '../../src/llm/state.js';
import {
  cli,
  e2eRepo,
  exitWithin,
  killSpawned,
  MODEL,
  spawnCli,
  stopAutoServer,
  taskDir,
} from './support.js';

const started: { dir: string; env: NodeJS.ProcessEnv }[] = [];
afterEach(async () => {
  killSpawned();
  for (const s of started.splice(0)) await stopAutoServer(s.dir, s.env);
});
afterAll(cleanupTemps);

async function setup() {
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}/v1`;
  const env = { FACTORY_STATE_DIR: await tempDir('factory-e2e-state-') };
  const { dir } = await e2eRepo(
    { 'README.md': '# demo\n' },
    {
      server: {
        baseURL,
        model: MODEL,
        command: scriptedCommand([], 'front-recovery.json', 'llamacpp'),
        idleShutdown: 0,
      },
      agent: { maxAttempts: 1, llmTimeout: 120 },
    },
  );
  started.push({ dir, env });
  const home = serverHome(baseURL, env.FACTORY_STATE_DIR);
  const state = async () => JSON.parse(await readFile(path.join(home, 'server.json'), 'utf8')) as ServerState;
  // The front answers only clients that show the token of its state file.
  const status = async () =>
    (await (
      await fetch(new URL('/factory/status', baseURL), {
        headers: { authorization: `Bearer ${(await state()).token}` },
      })
    ).json()) as {
      queue: { total: { running: number; waiting: number; failed: number } };
      modelServer: { up: boolean; restarts: number; error: string | null; pid: number | null };
    };
  return { dir, env, baseURL, state, status };
}

/** Polls an async probe every 50 ms until it holds; fails after `ms` with `what`. */
async function until(what: string, ms: number, probe: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the front when its model server dies mid-stream (issue 11, defect 1)', () => {
  it('fails the running task with exit 3, restarts the model server, and serves the next task', async () => {
    const s = await setup();
    const start = await cli(s.dir, ['server', 'start', '--json'], s.env);
    expect(start.code, start.stderr).toBe(0);
    const first = JSON.parse(start.stdout) as ServerState;
    expect(first.flavor).toBe('llamacpp');

    const run = spawnCli(s.dir, ['task', 'Write a long essay about queues', '--check', '', '--json'], s.env);
    // Mid-stream: the Coder's first words have reached the task.
    const streamed = path.join(taskDir(s.dir, 1), 'coder-stream.txt');
    await until('the Coder answer to stream', 60_000, async () =>
      (await readFile(streamed, 'utf8')).includes('Queues'),
    );
    expect((await s.status()).queue.total.running).toBe(1);
    process.kill(-first.modelPid!, 'SIGKILL');

    // Well within agent.llmTimeout (120 s): the front ends the stream as soon as the server is gone.
    const done = await exitWithin(run, 60_000);
    expect(done.code, done.stderr).toBe(3);
    const [outcome] = JSON.parse(done.stdout) as {
      outcome: string;
      reason: string;
      inferenceDown: boolean;
    }[];
    expect(outcome!.inferenceDown).toBe(true);
    expect(outcome!.reason).toMatch(/llama-server at .*(closed the connection mid-answer|exited)/);
    expect(outcome!.reason).not.toContain('llmTimeout');

    // The slot is free and the failure counted; the supervisor brings the model server back.
    await until('the restarted model server', 60_000, async () => {
      const st = await s.status();
      return st.modelServer.up && st.modelServer.restarts === 1;
    });
    const now = await s.status();
    expect(now.queue.total.running).toBe(0);
    expect(now.queue.total, JSON.stringify(now.queue.total)).toMatchObject({ failed: 1, retries: 0 });
    const second = await s.state();
    expect(second.modelPid).not.toBe(first.modelPid);
    expect(pidAlive(second.modelPid)).toBe(true);
    const text = await cli(s.dir, ['server', 'status'], s.env);
    expect(text.stdout).toContain('health   ok');
    expect(text.stdout).toMatch(/model {4}port \d+ \(pid \d+\), llama-server, restarted 1 time/);
    expect(text.stdout).toMatch(/queue\s+0 waiting, 0 running, \d+ done, 1 failed/);

    const next = await cli(s.dir, ['task', 'Print hi', '--check', '', '--json'], s.env, 60_000);
    expect(next.code, next.stderr).toBe(0);
    expect((JSON.parse(next.stdout) as { outcome: string }[])[0]!.outcome).toBe('passed');
  }, 240_000);

  it('stops restarting a model server that keeps dying, and says so to every request', async () => {
    const s = await setup();
    expect((await cli(s.dir, ['server', 'start'], s.env)).code).toBe(0);
    // factory's clients show the front's token where a model server would get its key.
    const endpoint = async () => ({
      baseURL: s.baseURL,
      apiKey: (await s.state()).token!,
      model: MODEL,
      concurrency: 1,
    });
    // Three restarts are allowed; the fourth death is final.
    for (let death = 1; death <= 4; death++) {
      const pid = (await s.state()).modelPid!;
      process.kill(-pid, 'SIGKILL');
      if (death === 4) break;
      await until(`restart ${death}`, 60_000, async () => {
        const st = await s.status();
        return st.modelServer.up && st.modelServer.restarts === death;
      });
    }
    await until('the supervisor to give up', 30_000, async () =>
      /stopped restarting/.test((await s.status()).modelServer.error ?? ''),
    );
    const e = await chat(await endpoint(), {
      messages: [{ role: 'user', content: 'Print hi' }],
      maxTokens: 8,
    }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(LlmError);
    expect((e as LlmError).kind).toBe('connection');
    expect((e as LlmError).message).toContain('factory stopped restarting it after 3 restarts');
    const status = await cli(s.dir, ['server', 'status'], s.env);
    expect(status.stdout).toContain('model server down');

    // `server start` replaces the supervisor whose model server is gone.
    const again = await cli(s.dir, ['server', 'start', '--json'], s.env);
    expect(again.code, again.stderr).toBe(0);
    const r = await chat(await endpoint(), { messages: [{ role: 'user', content: 'hello' }], maxTokens: 8 });
    expect(r.content).toContain('VERDICT');
  }, 240_000);
});
