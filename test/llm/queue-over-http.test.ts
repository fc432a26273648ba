import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { RequestQueue } from '../../src/llm/queue.js';
import { chat } from '../../src/llm/client.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import { projectRoot } from '../helpers/git-repo.js';
import { fairnessViolation } from './queue-helpers.js';

const servers: ScriptedServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

async function model(script = 'hello.json', fault?: Parameters<typeof startScriptedServer>[0]['fault']) {
  const s = await startScriptedServer({
    script: path.join(projectRoot, 'fixtures/scripts', script),
    dialect: 'mlx',
    port: 0,
    latency: { prefillTps: 200_000, decodeTps: 2000, slots: 1 },
    ...(fault ? { fault } : {}),
  });
  servers.push(s);
  return s;
}

describe('the queue in front of a real (scripted) server, through the real client', () => {
  it('serves 6 tasks with mixed request lengths fairly, one at a time', async () => {
    const server = await model();
    const queue = new RequestQueue([
      { baseURL: server.baseURL, apiKey: 'k', model: 'scripted-model', concurrency: 1 },
    ]);
    const log: { ev: 'submit' | 'start'; task: string }[] = [];
    let running = 0;
    let maxRunning = 0;
    const prompts = ['hello', 'essay', 'count to 3', 'cached', 'something else'];
    const all: Promise<unknown>[] = [];
    for (let t = 0; t < 6; t++) {
      for (let r = 0; r <= t % 4; r++) {
        const task = `task-${t}`;
        log.push({ ev: 'submit', task });
        all.push(
          queue.run(
            task,
            async (ep, signal) => {
              log.push({ ev: 'start', task });
              maxRunning = Math.max(maxRunning, ++running);
              try {
                return await chat(
                  ep,
                  { messages: [{ role: 'user', content: prompts[(t + r) % 5]! }], maxTokens: 64 },
                  {
                    signal,
                    task,
                  },
                );
              } finally {
                running--;
              }
            },
            { usageOf: (x) => x.usage },
          ),
        );
      }
    }
    await Promise.all(all);
    expect(maxRunning).toBe(1);
    expect(fairnessViolation(log)).toBeNull();
    // The server saw the requests in the same fair order, one at a time.
    const served = server.requests.map((q) => q.task);
    expect(served).toEqual(log.filter((e) => e.ev === 'start').map((e) => e.task));
    const m = queue.metrics();
    expect(m.total.completed).toBe(all.length);
    expect(m.total.completionTokens).toBeGreaterThan(0);
  });

  it('retries a 503 while loading and then succeeds; cancels a task mid-request', async () => {
    const server = await model('hello.json', { kind: 'loading', times: 2 });
    const queue = new RequestQueue(
      [{ baseURL: server.baseURL, apiKey: 'k', model: 'scripted-model', concurrency: 1 }],
      { baseDelayMs: 10, maxDelayMs: 50 },
    );
    const ok = await queue.run('t', (ep, signal) =>
      chat(ep, { messages: [{ role: 'user', content: 'hello' }], maxTokens: 20 }, { signal }),
    );
    expect(ok.content).toBe('Hello! I am a scripted model.');
    expect(queue.metrics().total.retries).toBe(2);

    const slow = await model();
    const q2 = new RequestQueue([
      { baseURL: slow.baseURL, apiKey: 'k', model: 'scripted-model', concurrency: 1 },
    ]);
    const long = q2.run('doomed', (ep, signal) =>
      chat(ep, { messages: [{ role: 'user', content: 'essay' }], maxTokens: 20 }, { signal }),
    );
    const waiting = q2.run('doomed', (ep, signal) =>
      chat(ep, { messages: [{ role: 'user', content: 'hello' }], maxTokens: 20 }, { signal }),
    );
    const other = q2.run('fine', (ep, signal) =>
      chat(ep, { messages: [{ role: 'user', content: 'hello' }], maxTokens: 20 }, { signal }),
    );
    // Mid-request: the server has the long one (the queue holds the rest behind it).
    while (slow.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(q2.cancelTask('doomed')).toBe(2);
    await expect(long).rejects.toThrow(/cancelled/);
    await expect(waiting).rejects.toThrow(/cancelled/);
    expect((await other).content).toBe('Hello! I am a scripted model.');
  });
});
