import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import type { CostModelOptions, Dialect } from '../../src/scripted-server/index.js';
import { CostModel } from '../../src/scripted-server/cost-model.js';
import { renderMessage, renderPrompt, tokensIn } from '../../src/scripted-server/prefix-cache.js';

const ANSWER = 'a'.repeat(40);
let server: ScriptedServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(dialect: Dialect, cost: Partial<CostModelOptions> = {}): Promise<ScriptedServer> {
  server = await startScriptedServer({
    script: { replies: [{ content: ANSWER }] },
    dialect,
    cost: { slots: 1, prefillMsPerToken: 2, decodeMsPerToken: 10, timeScale: 0, ...cost },
  });
  return server;
}

type Message = { role: string; content: string };

async function ask(s: ScriptedServer, messages: Message[], extra: Record<string, unknown> = {}) {
  const res = await fetch(`${s.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages, max_tokens: 100, ...extra }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as {
    usage: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } };
  };
  return { prompt: body.usage.prompt_tokens, cached: body.usage.prompt_tokens_details.cached_tokens };
}

const system = (task: string): Message => ({
  role: 'system',
  content: `${task}: you are the coder. `.repeat(20),
});
const user = (text: string): Message => ({ role: 'user', content: text.repeat(10) });
/** The conversation of a tool round: the first request, the answer as the client echoes it, the result. */
const round = (first: Message[], result: string): Message[] => [
  ...first,
  { role: 'assistant', content: ANSWER },
  { role: 'tool', content: result },
];

async function stats(s: ScriptedServer) {
  const res = await fetch(`${s.url}/scripted/stats`);
  return (await res.json()) as ReturnType<ScriptedServer['costStats']> & object;
}

describe('the cost model', () => {
  it('reuses a slot’s prefix for the follow-up on that slot, and counts cached and computed tokens', async () => {
    const s = await start('llamacpp', { slots: 2 });
    const a = [system('task A'), user('fix the bug ')];
    const b = [system('task B'), user('add a test ')];
    const first = await ask(s, a, { id_slot: 0 });
    expect(first).toEqual({ prompt: tokensIn(renderPrompt({ messages: a })), cached: 0 });
    const other = await ask(s, b, { id_slot: 1 });
    expect(other.cached).toBe(0);
    // The follow-up finds its prompt and answer on slot 0: only the tool result is computed.
    const follow = round(a, 'ok');
    const kept = renderPrompt({ messages: a }) + renderMessage({ role: 'assistant', content: ANSWER });
    const warm = await ask(s, follow, { id_slot: 0 });
    expect(warm.cached).toBe(Math.floor(kept.length / 4));
    expect(warm.prompt - warm.cached).toBeLessThan(10);
    // The same follow-up on the other slot finds task B's prefix there: almost nothing is shared.
    const cold = await ask(s, round(a, 'no'), { id_slot: 1 });
    expect(cold.cached).toBeLessThan(5);

    const st = await stats(s);
    expect(st.requests).toBe(4);
    expect(st.cachedTokens).toBe(warm.cached + cold.cached);
    expect(st.prefillTokens + st.cachedTokens).toBe(st.promptTokens);
    expect(st.prefillTokens).toBe(
      first.prompt + other.prompt + warm.prompt - warm.cached + cold.prompt - cold.cached,
    );
    expect(st.perSlot.map((x) => x.requests)).toEqual([2, 2]);
    expect(st.perSlot[0]!.cachedTokens).toBe(warm.cached);
    // Busy time: every computed prompt token and every decode step (10 answer tokens each).
    expect(st.busyMs).toBe(st.prefillTokens * 2 + 4 * 10 * 10);
    expect(s.costStats()).toEqual(st);
  });

  it('tells llama.cpp clients its slot count at /props', async () => {
    const s = await start('llamacpp', { slots: 3 });
    const res = await fetch(`${s.url}/props`);
    expect(await res.json()).toEqual({ total_slots: 3 });
  });

  it('keeps one prefix per slot: another task on the only slot evicts it', async () => {
    const s = await start('llamacpp');
    const a = [system('task A'), user('one ')];
    await ask(s, a);
    await ask(s, [system('task B'), user('two ')]);
    expect((await ask(s, round(a, 'ok'))).cached).toBeLessThan(5);
  });

  it('keeps the K most recently used prefixes for mlx, evicting the least recently used', async () => {
    const s = await start('mlx', { cacheEntries: 2 });
    const [a, b, c] = ['A', 'B', 'C'].map((t) => [system(`task ${t}`), user(`work on ${t} `)]);
    await ask(s, a!);
    await ask(s, b!);
    // Both are kept: A's follow-up is served from its entry, which becomes the most recent.
    expect((await ask(s, round(a!, '1'))).cached).toBeGreaterThan(100);
    await ask(s, c!); // evicts B, the least recently used
    expect((await ask(s, round(b!, '2'))).cached).toBeLessThan(5);
    // B's request evicted A's entry in turn (C was used after A); C is still there.
    expect((await ask(s, round(c!, '3'))).cached).toBeGreaterThan(100);
    expect((await ask(s, round(a!, '4'))).cached).toBeLessThan(5);
  });

  it('decodes concurrent requests in one batch: less busy time than one after the other', async () => {
    // Straight on the model, so both requests are in before either is computed.
    const model = new CostModel(
      { slots: 2, prefillMsPerToken: 2, decodeMsPerToken: 10, batchStepCost: 0.25, timeScale: 0 },
      'llamacpp',
    );
    const plan = () => ({ completionTokens: 10, message: { role: 'assistant', content: ANSWER }, usage: {} });
    const life = new AbortController().signal;
    const served = await Promise.all(
      ['A', 'B'].map((t) => model.serve({ messages: [system(`task ${t}`), user('x ')] }, plan(), life)),
    );
    expect(served.map((x) => x?.slot).sort()).toEqual([0, 1]);
    const st = model.stats();
    // Both prompts, then ten steps of a batch of two at 1.25 steps each (not twenty steps).
    expect(st.busyMs).toBe(st.prefillTokens * 2 + 10 * 10 * 1.25);
  });
});
