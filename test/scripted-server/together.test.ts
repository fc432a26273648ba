/**
 * `together: N`: requests are held until N are in flight, so a test of parallel serving waits
 * for a condition, not for a slow reply to make requests overlap.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chat } from '../../src/llm/client.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import { Together } from '../../src/scripted-server/together.js';
import { scriptedEndpoint } from '../helpers/scripted-endpoint.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Resolves once `cond` holds, checking on every turn of the event loop. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}

describe('together', () => {
  it('answers none of three requests until all three are in flight, then serves them side by side', async () => {
    const server = await startScriptedServer({
      dialect: 'mlx',
      script: { replies: [{ content: 'ok', together: 3 }] },
    });
    servers.push(server);
    const ask = () =>
      chat(scriptedEndpoint(server), { messages: [{ role: 'user', content: 'hi' }], maxTokens: 10 });
    let answered = 0;
    const first = [ask(), ask()].map((p) => p.then((r) => (answered++, r)));
    await until(() => server.requests.length === 2);
    // Both are in and held: none has started its answer.
    expect(server.requests.every((r) => r.startedAt === undefined)).toBe(true);
    expect(answered).toBe(0);
    const replies = await Promise.all([...first, ask()]);
    expect(replies.map((r) => r.content)).toEqual(['ok', 'ok', 'ok']);
    const starts = server.requests.map((r) => r.startedAt!);
    const ends = server.requests.map((r) => r.endedAt!);
    expect(Math.max(...starts)).toBeLessThanOrEqual(Math.min(...ends));
  });

  it('lets a lone request go when the wait is over, and drops one whose client left', async () => {
    const together = new Together(1);
    expect(await together.gather(3, new AbortController().signal)).toBe(true);
    const gone = new AbortController();
    const held = new Together().gather(3, gone.signal);
    gone.abort();
    expect(await held).toBe(false);
  });
});
