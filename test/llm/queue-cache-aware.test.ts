import { afterEach, describe, expect, it } from 'vitest';
import { chat } from '../../src/llm/client.js';
import { RequestQueue, type QueueOptions } from '../../src/llm/queue.js';
import { learnSlots } from '../../src/llm/server-slots.js';
import { startFront, type Front } from '../../src/llm/front.js';
import type { ChatMessage, EndpointConfig } from '../../src/llm/types.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import { endpoint, tick } from './queue-helpers.js';

/** Work that runs until the test ends it, recording which task started where. */
function controlled() {
  const started: { task: string; slot?: number }[] = [];
  const open = new Map<string, () => void>();
  const job = (task: string, name: string) => (ep: EndpointConfig) =>
    new Promise<string>((resolve) => {
      started.push({ task, slot: ep.slot });
      open.set(name, () => resolve(name));
    });
  const end = async (name: string) => {
    // Some starts wait for a timer (a kept slot running out): poll, with a generous limit.
    for (let i = 0; i < 1000 && !open.has(name); i++) await new Promise((r) => setTimeout(r, 5));
    const done = open.get(name);
    if (!done) throw new Error(`${name} never started (started: ${started.map((x) => x.task).join(' ')})`);
    open.delete(name);
    done();
    await tick();
  };
  return { started, job, end, order: () => started.map((s) => s.task) };
}

const queues: RequestQueue[] = [];
let server: ScriptedServer | undefined;
let front: Front | undefined;
afterEach(async () => {
  for (const q of queues.splice(0)) q.close();
  await front?.close();
  front = undefined;
  await server?.close();
  server = undefined;
});

function queue(eps: EndpointConfig[], opts: QueueOptions = {}): RequestQueue {
  const q = new RequestQueue(eps, { holdMs: 60_000, ...opts });
  queues.push(q);
  return q;
}

const followUp = () => true;
const noFollowUp = () => false;

describe('the cache-aware queue', () => {
  it('keeps each task on the slot that holds its prefix, and tells the server which slot', async () => {
    const q = queue([{ ...endpoint('llama', 2), slotIds: true }]);
    const w = controlled();
    const a1 = q.run('A', w.job('A', 'a1'));
    const b1 = q.run('B', w.job('B', 'b1'));
    await tick();
    await w.end('a1'); // slot 0 is now the slot free the longest
    await w.end('b1');
    await Promise.all([a1, b1]);
    // B comes first: the slot used longest ago would be A's; it gets its own instead.
    const b2 = q.run('B', w.job('B', 'b2'));
    const a2 = q.run('A', w.job('A', 'a2'));
    await tick();
    expect(w.started).toEqual([
      { task: 'A', slot: 0 },
      { task: 'B', slot: 1 },
      { task: 'B', slot: 1 },
      { task: 'A', slot: 0 },
    ]);
    await w.end('b2');
    await w.end('a2');
    await Promise.all([a2, b2]);
  });

  it('sends no slot to a server that takes none, nor in round-robin mode', async () => {
    for (const [ep, schedule] of [
      [endpoint('mlx', 2), 'cache-aware'],
      [{ ...endpoint('llama', 2), slotIds: true }, 'round-robin'],
    ] as const) {
      const q = queue([ep], { schedule });
      const w = controlled();
      const a = q.run('A', w.job('A', 'a'));
      await tick();
      expect(w.started).toEqual([{ task: 'A', slot: undefined }]);
      await w.end('a');
      await a;
    }
  });

  it('keeps the slot for an announced follow-up, at most twice ahead of a waiting task', async () => {
    const q = queue([endpoint('one', 1)]);
    const w = controlled();
    const runs = [q.run('A', w.job('A', 'a1'), { followUp })];
    await tick();
    runs.push(q.run('B', w.job('B', 'b1')), q.run('C', w.job('C', 'c1')));
    await w.end('a1');
    // The slot waits for A's tool round, with B and C waiting.
    expect(w.order()).toEqual(['A']);
    runs.push(q.run('A', w.job('A', 'a2'), { followUp }));
    await tick();
    await w.end('a2');
    runs.push(q.run('A', w.job('A', 'a3'), { followUp }));
    await tick();
    expect(w.order()).toEqual(['A', 'A', 'A']);
    // B and C have each let A go first twice: the slot is not kept a third time.
    await w.end('a3');
    runs.push(q.run('A', w.job('A', 'a4')));
    await tick();
    expect(w.order()).toEqual(['A', 'A', 'A', 'B']);
    await w.end('b1');
    await w.end('c1');
    await w.end('a4');
    expect(w.order()).toEqual(['A', 'A', 'A', 'B', 'C', 'A']);
    await Promise.all(runs);
  });

  it('lets a request of higher priority take a slot kept for a follow-up', async () => {
    const q = queue([endpoint('one', 1)]);
    const w = controlled();
    const runs = [q.run('A', w.job('A', 'a1'), { followUp })];
    await tick();
    await w.end('a1');
    runs.push(q.run('B', w.job('B', 'b1'), { priority: 1 }));
    await tick();
    expect(w.order()).toEqual(['A', 'B']);
    await w.end('b1');
    await Promise.all(runs);
  });

  it('serves the next in turn at once when the answer announces no follow-up', async () => {
    const q = queue([endpoint('one', 1)]);
    const w = controlled();
    const runs = [q.run('A', w.job('A', 'a1'), { followUp: noFollowUp })];
    await tick();
    runs.push(q.run('B', w.job('B', 'b1')));
    await w.end('a1');
    runs.push(q.run('A', w.job('A', 'a2')));
    await tick();
    expect(w.order()).toEqual(['A', 'B']);
    await w.end('b1');
    await w.end('a2');
    await Promise.all(runs);
  });

  it('gives a kept slot away when the follow-up does not come in time', async () => {
    const q = queue([endpoint('one', 1)], { holdMs: 20 });
    const w = controlled();
    const a = q.run('A', w.job('A', 'a1'), { followUp });
    await tick();
    const b = q.run('B', w.job('B', 'b1'));
    await w.end('a1');
    await w.end('b1'); // waits until the hold ran out and B started
    await Promise.all([a, b]);
    expect(w.order()).toEqual(['A', 'B']);
  });

  it('serves in arrival order across tasks with schedule fifo, in turns with round-robin', async () => {
    for (const [schedule, order] of [
      ['fifo', ['a1', 'a2', 'b1']],
      ['round-robin', ['a1', 'b1', 'a2']],
    ] as const) {
      const q = queue([endpoint('one', 1)], { schedule });
      const w = controlled();
      // The slot is busy while the three arrive, so the order among them is the queue's choice.
      const runs = [q.run('X', w.job('X', 'x'))];
      await tick();
      for (const name of ['a1', 'a2', 'b1']) runs.push(q.run(name[0]!.toUpperCase(), w.job(name, name)));
      for (const name of ['x', ...order]) await w.end(name);
      await Promise.all(runs);
      expect(w.order()).toEqual(['X', ...order]);
    }
  });

  it('learns llama-server’s slots from /props and lands each task’s follow-up on its warm slot', async () => {
    server = await startScriptedServer({
      script: { replies: [{ content: 'done' }] },
      dialect: 'llamacpp',
      cost: { slots: 2, prefillMsPerToken: 1, decodeMsPerToken: 1, timeScale: 0 },
    });
    const learned = await learnSlots({ baseURL: server.baseURL, apiKey: 'local' });
    expect(learned).toEqual({ concurrency: 2, slotIds: true });
    const ep: EndpointConfig = {
      baseURL: server.baseURL,
      apiKey: 'local',
      model: 'm',
      concurrency: 1,
      ...learned,
    };
    const q = queue([ep]);
    const prompt = (t: string): ChatMessage[] => [
      { role: 'system', content: `${t}: you are the coder. `.repeat(30) },
      { role: 'user', content: 'the task' },
    ];
    const send = (t: string, messages: ChatMessage[]) =>
      q.run(t, (e, signal) => chat(e, { messages, maxTokens: 50 }, { signal, task: t, stream: false }));
    const first = await Promise.all(['A', 'B'].map((t) => send(t, prompt(t))));
    // Each task's second request extends its first: on its own slot, the first is cached.
    const second = await Promise.all(
      ['B', 'A'].map((t) =>
        send(t, [...prompt(t), { role: 'assistant', content: 'done' }, { role: 'user', content: 'go on' }]),
      ),
    );
    expect(first.map((r) => r.usage.cachedTokens)).toEqual([0, 0]);
    for (const r of second) expect(r.usage.cachedTokens).toBeGreaterThan(r.usage.promptTokens * 0.9);
    const slots = server.requests.map((r) => [r.task, (r.body as { id_slot?: number }).id_slot]);
    expect(slots).toEqual([
      ['A', 0],
      ['B', 1],
      ['B', 1],
      ['A', 0],
    ]);
  });

  it('keeps the slot through the front for a task whose answer ended in tool calls', async () => {
    server = await startScriptedServer({
      script: {
        replies: [
          {
            match: { task: 'A', user: 'asks' },
            toolCalls: [{ name: 'read_file', arguments: { path: 'x' } }],
          },
          { content: 'ok' },
        ],
      },
      dialect: 'llamacpp',
      cost: { slots: 1, prefillMsPerToken: 1, decodeMsPerToken: 1, timeScale: 0 },
    });
    const ep: EndpointConfig = { baseURL: server.baseURL, apiKey: 'local', model: 'm', concurrency: 1 };
    const q = queue([{ ...ep, ...(await learnSlots(ep)) }]);
    front = await startFront({ host: '127.0.0.1', port: 0, queue: q, token: 'front-token' });
    const post = (task: string, says = 'asks') =>
      fetch(`${front!.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-factory-task': task,
          authorization: 'Bearer front-token',
        },
        body: JSON.stringify({
          model: 'm',
          messages: [{ role: 'user', content: `${task} ${says}` }],
          max_tokens: 9,
        }),
      }).then((r) => r.json());
    await post('A');
    const b = post('B');
    // B waits: the only slot is kept for A's tool round.
    for (let i = 0; i < 1000 && q.metrics().total.waiting === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(q.metrics().total.waiting).toBe(1);
    // The tool round is answered without tool calls: nothing is kept for A after it.
    await post('A', 'the tool said');
    await b;
    expect(server.requests.map((r) => [r.task, (r.body as { id_slot?: number }).id_slot])).toEqual([
      ['A', 0],
      ['A', 0],
      ['B', 0],
    ]);
  });
});
