/** Every answered request says where its time went: queued, to the first token, generating. */
import { afterEach, describe, expect, it } from 'vitest';
import { chat } from '../../src/llm/client.js';
import { queuedChat, type Inference } from '../../src/llm/inference.js';
import { RequestQueue } from '../../src/llm/queue.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import { scriptedEndpoint } from '../helpers/scripted-endpoint.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A reply decoded at 200 tokens/s: its generation takes a while after the first piece. */
async function slowServer() {
  const server = await startScriptedServer({
    script: { replies: [{ content: 'word '.repeat(80), tps: 200, chunkChars: 20 }] },
    dialect: 'llamacpp',
  });
  servers.push(server);
  return server;
}

const ask = { messages: [{ role: 'user' as const, content: 'go' }], maxTokens: 400 };

describe('ChatResponse.timing', () => {
  it('a streamed answer: time to the first piece, then generation time', async () => {
    const server = await slowServer();
    const r = await chat(scriptedEndpoint(server), ask);
    expect(r.timing).toBeDefined();
    expect(r.timing!.queuedMs).toBe(0);
    expect(r.timing!.firstTokenMs).toBeGreaterThanOrEqual(0);
    expect(r.timing!.generationMs).toBeGreaterThan(0);
  });

  it('an answer read whole has no generation time apart from its wait', async () => {
    const server = await slowServer();
    const r = await chat(scriptedEndpoint(server), ask, { stream: false });
    expect(r.timing!.generationMs).toBe(0);
    expect(r.timing!.firstTokenMs).toBeGreaterThan(0);
  });

  it('a request that waited for its turn in the queue says how long', async () => {
    const server = await slowServer();
    const inf: Inference = {
      mode: 'in-process',
      queue: new RequestQueue([scriptedEndpoint(server)]),
      note: '',
    };
    const [first, second] = await Promise.all([
      queuedChat(inf, 'task-a', ask),
      queuedChat(inf, 'task-b', ask),
    ]);
    // One request at a time: the second was asked with the first and sent only after its end.
    expect(first!.timing!.queuedMs).toBeLessThan(second!.timing!.queuedMs);
    expect(second!.timing!.queuedMs).toBeGreaterThanOrEqual(first!.timing!.generationMs);
  });
});
