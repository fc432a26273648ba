/**
 * Every prompt and max_tokens fitted to the server's context, through the real `openai` client and
 * real HTTP to the scripted server: a 4096 context gets a prompt and max_tokens that fit, a context
 * too small is refused before anything is sent, llama-server's overflow 400 shrinks the prompt and
 * retries once, and a reasoning model that thought through its whole max_tokens is retried once
 * with a larger limit when the context has room.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { chat } from '../../src/llm/client.js';
import { detectContextLimit, type ContextLimit } from '../../src/llm/context-size.js';
import { ContextOverflowError } from '../../src/llm/context-overflow.js';
import type { ChatMessage, ChatRequest } from '../../src/llm/types.js';
import { ContextWindow } from '../../src/agent/context/window.js';
import { fittedTurn } from '../../src/agent/fitted-turn.js';
import { checkContextFits } from '../../src/agent/context/fits.js';
import { buildCoderMessages } from '../../src/agent/context/coder.js';
import { loadPrompts } from '../../src/agent/prompts/index.js';
import { TOOL_SPECS } from '../../src/agent/tools/index.js';
import type { TaskSpec } from '../../src/agent/types.js';
import { FactoryError } from '../../src/errors.js';
import { startScriptedServer, type Dialect, type ScriptedServer } from '../../src/scripted-server/index.js';
import type { Script } from '../../src/scripted-server/script.js';
import { cleanupTemps, makeRepo } from '../helpers/git-repo.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(cleanupTemps);

const MODEL = 'qwen-test';
const task: TaskSpec = {
  title: 'Fix pagination',
  description: 'Fix the off-by-one in src/pager.ts.',
  constraints: [],
  mode: 'repo',
};

async function serve(dialect: Dialect, script: Script) {
  const server = await startScriptedServer({ script: { model: MODEL, ...script }, dialect });
  servers.push(server);
  const endpoint = { baseURL: server.baseURL, apiKey: 'local', model: MODEL, concurrency: 1 };
  const limit = await detectContextLimit(endpoint, {});
  const send = (req: ChatRequest) => chat(endpoint, req, { timeoutMs: 10_000, idleTimeoutMs: 5000 });
  return { server, limit, send };
}

/** A repo whose one big file would fill a 16k-token prompt. */
async function bigRepo() {
  const line = (i: number) => `export const value${i} = ${i}; // padding to make the file long enough\n`;
  const pager = Array.from({ length: 1200 }, (_, i) => line(i)).join('');
  return makeRepo({ 'src/pager.ts': pager, 'README.md': '# demo\n' });
}

const bodyOf = (s: ScriptedServer, i: number) =>
  s.requests[i]!.body as { max_tokens: number; messages: ChatMessage[]; tools?: unknown[] };

describe('fittedTurn', () => {
  for (const dialect of ['llamacpp', 'ollama'] as Dialect[]) {
    it(`fits the Coder prompt and max_tokens in a 4096-token context (${dialect})`, async () => {
      const { server, limit, send } = await serve(dialect, { context: 4096, default: { content: 'ok' } });
      expect(limit.tokens).toBe(4096);
      const repoRoot = await bigRepo();
      const prompts = await loadPrompts();
      const build = (budgetTokens: number) =>
        buildCoderMessages({ task, repoRoot, prompts, budgetTokens, attempt: 1, tools: 'native' });
      const window = new ContextWindow(8192, limit);
      const notes: string[] = [];
      const tools = TOOL_SPECS.map((t) => ({ ...t }));
      const { reply } = await fittedTurn(window, { role: 'coder', build, tools, temperature: 0 }, send, (l) =>
        notes.push(l),
      );
      expect(reply.content).toBe('ok');
      expect(notes).toEqual([]);
      expect(server.requests).toHaveLength(1);
      const rec = server.requests[0]!;
      const body = bodyOf(server, 0);
      // The server's own count (characters / 4, tools included) and the answer's room fit.
      expect(rec.promptTokens + body.max_tokens).toBeLessThanOrEqual(4096);
      expect(body.max_tokens).toBeGreaterThanOrEqual(512);
      // The repository's file is there, cut to fit: not a prompt emptied to make room.
      expect(body.messages[1]!.content).toContain('src/pager.ts');
      // What today's fixed budget (2x maxTokensPerTurn) would have sent does not fit.
      const unfitted = await build(16384);
      expect(unfitted.reduce((n, m) => n + m.content.length, 0) / 4).toBeGreaterThan(4096);
    });
  }

  it('refuses before sending when not even the task and a short answer fit, naming the setting', async () => {
    const { server, limit } = await serve('llamacpp', { context: { size: 512, slots: 2 } });
    const prompts = await loadPrompts();
    let err: unknown;
    try {
      checkContextFits(limit, task, prompts, { maxTokensPerTurn: 8192, tools: 'auto' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FactoryError);
    const e = err as FactoryError;
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(
      /^the model's context is too small: llama-server at http:\/\/127\.0\.0\.1:\d+\/v1 has a context of 256 tokens \(\/props, n_ctx per slot of 2\), and the smallest Coder prompt needs about \d+ tokens plus 512 for the answer \(\d+ in all\)$/,
    );
    expect(e.hint).toMatch(
      /^raise llama-server's -c\/--ctx-size \(split across its -np slots\) to at least \d+ tokens per slot/,
    );
    expect(server.requests).toHaveLength(0);
    // A context that holds it is not refused.
    expect(() =>
      checkContextFits({ ...limit, tokens: 8192 }, task, prompts, { maxTokensPerTurn: 8192, tools: 'auto' }),
    ).not.toThrow();
  });

  it("shrinks the prompt and retries once on llama-server's exceed_context_size_error", async () => {
    // The server cuts text into more tokens than factory's estimate: the first prompt overflows.
    const { server, limit, send } = await serve('llamacpp', {
      context: { size: 4096, charsPerToken: 1 },
      default: { content: 'ok' },
    });
    const repoRoot = await bigRepo();
    const prompts = await loadPrompts();
    const build = (budgetTokens: number) =>
      buildCoderMessages({ task, repoRoot, prompts, budgetTokens, attempt: 1, tools: 'text' });
    const notes: string[] = [];
    const { reply, messages } = await fittedTurn(
      new ContextWindow(8192, limit),
      { role: 'coder', build, temperature: 0 },
      send,
      (l) => notes.push(l),
    );
    expect(reply.content).toBe('ok');
    expect(server.requests.map((r) => r.status)).toEqual([400, 200]);
    const first = bodyOf(server, 0).messages[1]!.content.length;
    expect(messages[1]!.content.length).toBeLessThan(first);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /^the coder prompt \(\d+ tokens\) did not fit the server's context of 4096 tokens; shrinking it and retrying once$/,
    );
  });

  it('gives up after one retry, with the numbers and the setting in the error', async () => {
    const { server, limit, send } = await serve('llamacpp', {
      context: { size: 4096, charsPerToken: 0.05 },
      default: { content: 'ok' },
    });
    const build = (b: number): ChatMessage[] => [
      { role: 'user', content: 'x'.repeat(Math.min(b * 4, 2000)) },
    ];
    const err = await fittedTurn(
      new ContextWindow(8192, limit),
      { role: 'coder', build, temperature: 0 },
      send,
      () => {},
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContextOverflowError);
    const e = err as ContextOverflowError;
    expect(e.contextTokens).toBe(4096);
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(
      /^llama-server at .* refused the request: its prompt is \d+ tokens and the context is 4096$/,
    );
    expect(e.hint).toContain('-c/--ctx-size');
    expect(server.requests).toHaveLength(2);
  });

  it("reads vLLM's overflow 400 (prompt plus max_tokens past max_model_len) the same way", async () => {
    // The detected limit is wrong on purpose (a stale override): the server's error corrects it.
    const { server, limit, send } = await serve('openai', {
      context: { size: 3000 },
      default: { content: 'ok' },
    });
    const wrong: ContextLimit = { ...limit, tokens: 16384 };
    const build = (b: number): ChatMessage[] => [
      { role: 'user', content: 'y'.repeat(Math.min(b * 4, 4000)) },
    ];
    const { reply } = await fittedTurn(
      new ContextWindow(8192, wrong),
      { role: 'coder', build, temperature: 0 },
      send,
      () => {},
    );
    expect(reply.content).toBe('ok');
    expect(server.requests.map((r) => r.status)).toEqual([400, 200]);
    const second = server.requests[1]!;
    expect(second.promptTokens + bodyOf(server, 1).max_tokens).toBeLessThanOrEqual(3000);
  });

  it('retries once with a larger max_tokens when a reasoning model only thought, and says so', async () => {
    const { server, limit, send } = await serve('llamacpp', {
      context: 16384,
      replies: [{ once: true, reasoning: 'Let me think about it. '.repeat(40), finish: 'length' }],
      default: { content: 'the answer' },
    });
    const notes: string[] = [];
    const build = (): ChatMessage[] => [{ role: 'user', content: 'answer me' }];
    const { reply } = await fittedTurn(
      new ContextWindow(1000, limit),
      { role: 'coder', build, temperature: 0 },
      send,
      (l) => notes.push(l),
    );
    expect(reply.content).toBe('the answer');
    expect(server.requests.map((r) => bodyOf(server, r.id - 1).max_tokens)).toEqual([1000, 2000]);
    expect(notes).toEqual([
      'the model spent all 1000 tokens of its coder answer thinking and wrote no answer; retrying once with max_tokens 2000',
    ]);
  });

  it('tells a model that only thought apart from a cut answer when the context has no more room', async () => {
    const { server, limit, send } = await serve('llamacpp', {
      context: 2048,
      replies: [{ reasoning: 'Hmm. '.repeat(50), finish: 'length' }],
    });
    const notes: string[] = [];
    const build = (): ChatMessage[] => [{ role: 'user', content: 'answer me' }];
    const { reply } = await fittedTurn(
      new ContextWindow(8192, limit),
      { role: 'sheriff', build, temperature: 0 },
      send,
      (l) => notes.push(l),
    );
    expect(reply.content).toBe('');
    expect(server.requests).toHaveLength(1);
    const max = bodyOf(server, 0).max_tokens;
    expect(max).toBeLessThan(2048);
    expect(notes).toEqual([
      `the model spent all ${max} tokens of its sheriff answer thinking and wrote no answer; the context (2048 tokens) has no room for a longer one — raise llama-server's -c/--ctx-size (split across its -np slots), or use a model that thinks less`,
    ]);
  });

  it('a cut answer with text is not taken for thinking: no retry', async () => {
    const { server, limit, send } = await serve('llamacpp', {
      context: 16384,
      replies: [{ reasoning: 'Short.', content: 'half an ans', finish: 'length' }],
    });
    const notes: string[] = [];
    const { reply } = await fittedTurn(
      new ContextWindow(1000, limit),
      { role: 'coder', build: () => [{ role: 'user', content: 'hi' }], temperature: 0 },
      send,
      (l) => notes.push(l),
    );
    expect(reply).toMatchObject({ content: 'half an ans', finishReason: 'length' });
    expect(server.requests).toHaveLength(1);
    expect(notes).toEqual([]);
  });
});
