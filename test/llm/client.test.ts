import { afterEach, describe, expect, it } from 'vitest';
import { chat, openaiClient } from '../../src/llm/client.js';
import type { ChatRequest } from '../../src/llm/types.js';
import { startScriptedServer, type Dialect, type ScriptedServer } from '../../src/scripted-server/index.js';
import { projectRoot } from '../helpers/git-repo.js';
import path from 'node:path';
import { scriptedEndpoint } from '../helpers/scripted-endpoint.js';

const script = (name: string) => path.join(projectRoot, 'fixtures/scripts', name);
const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(name: string, dialect: Dialect, model?: string) {
  const server = await startScriptedServer({ script: script(name), dialect, model });
  servers.push(server);
  const endpoint = scriptedEndpoint(server, model);
  return { server, endpoint };
}

const ask = (text: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: 'user', content: text }],
  maxTokens: 64,
  ...extra,
});

const tools: ChatRequest['tools'] = ['read_file', 'write_file', 'run'].map((name) => ({
  name,
  description: name,
  parameters: { type: 'object' },
}));

const dialects: Dialect[] = ['mlx', 'llamacpp', 'ollama', 'openai'];
const opts = { timeoutMs: 5000, idleTimeoutMs: 2000 };

describe.each(dialects)('the %s dialect', (dialect) => {
  it.each([true, false])(
    'answers with content, finish and usage (stream %s)',
    async (stream) => {
      const { server, endpoint } = await serve('hello.json', dialect);
      const r = await chat(endpoint, ask('hello there'), { ...opts, stream });
      expect(r.content).toBe('Hello! I am a scripted model.');
      expect(r.reasoning).toBe('');
      expect(r.finishReason).toBe('stop');
      expect(r.usage).toEqual({ promptTokens: 3, completionTokens: 8, cachedTokens: 0, estimated: false });
      expect(r.model).toBe('scripted-model');
      expect(r.toolCalls).toEqual([]);
      const body = server.requests[0]!.body as Record<string, unknown>;
      expect(body.max_tokens).toBe(64);
      expect(body.stream).toBe(stream);
      if (stream) expect(body.stream_options).toEqual({ include_usage: true });
    },
    10_000,
  );

  it.each([true, false])(
    'separates reasoning sent in the dialect field (stream %s)',
    async (stream) => {
      const { endpoint } = await serve('reasoning.json', dialect);
      const r = await chat(endpoint, ask('reason in a field'), { ...opts, stream });
      expect(r).toMatchObject({ content: 'Hi!', reasoning: 'The user wants a greeting.' });
    },
    10_000,
  );

  it.each([true, false])(
    'assembles native tool calls (stream %s)',
    async (stream) => {
      const { endpoint } = await serve('tools.json', dialect);
      const r = await chat(endpoint, ask('call native tools', { tools }), { ...opts, stream });
      expect(r.toolCallsFromText).toBe(false);
      expect(r.finishReason).toBe('tool_calls');
      expect(r.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([
        ['read_file', { path: 'src/index.ts' }],
        ['run', { command: 'npm test' }],
      ]);
      expect(new Set(r.toolCalls.map((c) => c.id)).size).toBe(2);
    },
    10_000,
  );
});

describe('normalising answers', () => {
  it('streams deltas to the callbacks and splits a think block split across chunks', async () => {
    const { endpoint } = await serve('reasoning.json', 'mlx');
    const seen = { content: [] as string[], reasoning: [] as string[] };
    const r = await chat(endpoint, ask('split it'), {
      ...opts,
      callbacks: { onContent: (d) => seen.content.push(d), onReasoning: (d) => seen.reasoning.push(d) },
    });
    expect(r).toMatchObject({ content: 'Done.', reasoning: 'Let me check.' });
    expect(seen.content.join('')).toBe('Done.');
    expect(seen.reasoning.join('')).toBe('Let me check.');
    expect(seen.content.join('')).not.toContain('<');
  }, 10_000);

  it('reads <think> tags in content, streaming or not', async () => {
    const { endpoint } = await serve('reasoning.json', 'llamacpp');
    for (const stream of [true, false]) {
      const r = await chat(endpoint, ask('think tags'), { ...opts, stream });
      expect(r).toMatchObject({ content: '42', reasoning: 'The user wants a number.' });
    }
  }, 10_000);

  it('treats everything before a lone </think> as reasoning', async () => {
    const { endpoint } = await serve('reasoning.json', 'mlx');
    const r = await chat(endpoint, ask('lone close tag'), opts);
    expect(r).toMatchObject({ content: 'Answer.', reasoning: 'The template opened the tag. I reason here.' });
  }, 10_000);

  it('keeps an unfinished think block as reasoning when the answer hits max tokens', async () => {
    const { endpoint } = await serve('reasoning.json', 'ollama');
    const r = await chat(endpoint, ask('cut thinking'), opts);
    expect(r).toMatchObject({
      content: '',
      reasoning: 'I keep thinking and thinking',
      finishReason: 'length',
    });
  }, 10_000);

  it('exposes finish reason length', async () => {
    const { endpoint } = await serve('hello.json', 'mlx');
    const r = await chat(endpoint, ask('write an essay'), opts);
    expect(r.finishReason).toBe('length');
    expect(r.content).toBe('This answer runs out of tokens befo');
  }, 10_000);

  it('reports cached prompt tokens from the final usage chunk', async () => {
    const { endpoint } = await serve('hello.json', 'llamacpp');
    for (const stream of [true, false]) {
      const r = await chat(endpoint, ask('cached please'), { ...opts, stream });
      expect(r.usage).toEqual({
        promptTokens: 1200,
        completionTokens: 6,
        cachedTokens: 1024,
        estimated: false,
      });
    }
  }, 10_000);

  it('estimates usage when the server sends none, and says so', async () => {
    const { endpoint } = await serve('hello.json', 'openai');
    const r = await chat(endpoint, ask('no usage here'), opts);
    expect(r.content).toBe('This server reports no usage.');
    expect(r.usage).toEqual({
      promptTokens: Math.ceil('no usage here'.length / 4),
      completionTokens: Math.ceil('This server reports no usage.'.length / 4),
      cachedTokens: 0,
      estimated: true,
    });
  }, 10_000);

  it.each(['mlx', 'llamacpp'] as const)(
    'parses <tool_call> tags written as text (%s)',
    async (dialect) => {
      const { endpoint } = await serve('tools.json', dialect);
      const r = await chat(endpoint, ask('use tagged calls', { tools }), opts);
      expect(r.toolCallsFromText).toBe(true);
      expect(r.content).toBe('I will read the file first.');
      expect(r.toolCalls).toEqual([
        { id: 'call_text_0', name: 'read_file', arguments: '{"path":"README.md"}' },
      ]);
    },
    10_000,
  );

  it('parses a bare JSON call that is the whole content, only when tools were offered', async () => {
    const { endpoint } = await serve('tools.json', 'ollama');
    const r = await chat(endpoint, ask('bare call', { tools }), opts);
    expect(r.toolCallsFromText).toBe(true);
    expect(r.content).toBe('');
    expect(r.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([
      ['write_file', { path: 'a.txt', content: 'hi' }],
    ]);
    const plain = await chat(endpoint, ask('bare call'), opts);
    expect(plain.toolCalls).toEqual([]);
    expect(JSON.parse(plain.content)).toEqual({
      name: 'write_file',
      arguments: { path: 'a.txt', content: 'hi' },
    });
  }, 10_000);

  it('sends the conversation, tools and task header the way servers expect', async () => {
    const { server, endpoint } = await serve('tools.json', 'openai');
    const r = await chat(
      endpoint,
      {
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'read it' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: 'c1', name: 'read_file', arguments: '{"path":"x"}' }],
          },
          { role: 'tool', content: 'file text', toolCallId: 'c1' },
        ],
        maxTokens: 100,
        temperature: 0,
        stop: ['</answer>'],
        tools,
      },
      { ...opts, task: 'task-7', headers: { 'x-extra': 'yes' } },
    );
    expect(r.content).toBe('The tool said what I needed. Done.');
    const rec = server.requests[0]!;
    expect((rec.body as { tools: unknown[] }).tools[0]).toEqual({
      type: 'function',
      function: { name: 'read_file', description: 'read_file', parameters: { type: 'object' } },
    });
    expect(rec.task).toBe('task-7');
    expect(rec.headers['x-extra']).toBe('yes');
    expect(rec.headers.authorization).toBe('Bearer local');
    expect(rec.body).toMatchObject({
      model: 'scripted-model',
      max_tokens: 100,
      temperature: 0,
      stop: ['</answer>'],
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'read it' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'read_file', arguments: '{"path":"x"}' } },
          ],
        },
        { role: 'tool', content: 'file text', tool_call_id: 'c1' },
      ],
    });
  }, 10_000);

  it('accepts one JSON completion from a server that ignores stream: true', async () => {
    const server = await startScriptedServer({
      script: { replies: [{ content: '<think>hm</think>whole', stream: false }] },
      dialect: 'openai',
    });
    servers.push(server);
    const endpoint = { baseURL: server.baseURL, apiKey: 'k', model: 'm', concurrency: 1 };
    const r = await chat(endpoint, ask('anything'), opts);
    expect(r).toMatchObject({ content: 'whole', reasoning: 'hm', finishReason: 'stop', model: 'm' });
    expect(server.requests[0]!.stream).toBe(true);
  }, 10_000);

  it('caches one SDK client per server and key, with retries off', () => {
    const a = openaiClient({ baseURL: 'http://127.0.0.1:1/v1', apiKey: '' });
    expect(openaiClient({ baseURL: 'http://127.0.0.1:1/v1', apiKey: '' })).toBe(a);
    expect(openaiClient({ baseURL: 'http://127.0.0.1:2/v1', apiKey: '' })).not.toBe(a);
    expect(a.maxRetries).toBe(0);
    expect(a.apiKey).toBe('local');
  });
});
