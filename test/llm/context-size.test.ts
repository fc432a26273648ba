/**
 * How factory learns each server family's context size, over real HTTP from the scripted server
 * speaking that family's routes: llama-server's per-slot /props, Ollama's /api/show, LM Studio's
 * /api/v0/models, vLLM's /v1/models, and mlx_lm.server, which says nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { contextLimit, detectContextLimit, serverContextLimit } from '../../src/llm/context-size.js';
import { startScriptedServer, type Dialect, type ScriptedServer } from '../../src/scripted-server/index.js';
import type { Script } from '../../src/scripted-server/script.js';
import { serverRoot } from '../../src/llm/server-root.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const MODEL = 'qwen-test';

async function serve(dialect: Dialect, context: Script['context']) {
  const server = await startScriptedServer({ script: { model: MODEL, context }, dialect });
  servers.push(server);
  return server;
}

const endpoint = (s: ScriptedServer, contextSize?: number) => ({
  baseURL: s.baseURL,
  apiKey: 'local',
  model: MODEL,
  ...(contextSize ? { contextSize } : {}),
});

describe('detectContextLimit', () => {
  it('llama-server: the context of one slot from /props, and the slot count', async () => {
    const s = await serve('llamacpp', { size: 8192, slots: 2 });
    const l = await detectContextLimit(endpoint(s));
    expect(l).toMatchObject({
      server: 'llamacpp',
      tokens: 4096,
      slots: 2,
      source: '/props, n_ctx per slot of 2',
    });
    expect(l.setting).toContain('-c/--ctx-size');
  });

  it('Ollama: 4096 when the model sets no num_ctx, the num_ctx it sets, OLLAMA_CONTEXT_LENGTH, never past the model', async () => {
    const plain = await serve('ollama', 4096);
    expect(await detectContextLimit(endpoint(plain), {})).toMatchObject({
      server: 'ollama',
      tokens: 4096,
      source: "Ollama's default num_ctx",
    });
    expect(await detectContextLimit(endpoint(plain), { OLLAMA_CONTEXT_LENGTH: '16384' })).toMatchObject({
      tokens: 16384,
      source: 'OLLAMA_CONTEXT_LENGTH',
    });
    const set = await serve('ollama', { size: 8192 });
    expect(await detectContextLimit(endpoint(set), {})).toMatchObject({
      tokens: 8192,
      source: '/api/show num_ctx',
    });
    const small = await serve('ollama', { size: 65536, trained: 32768 });
    expect(await detectContextLimit(endpoint(small), {})).toMatchObject({
      tokens: 32768,
      source: '/api/show qwen2.context_length',
    });
    const l = await detectContextLimit(endpoint(plain), {});
    expect(l.setting).toContain('OLLAMA_CONTEXT_LENGTH');
    expect(l.setting).toContain('num_ctx');
  });

  it('LM Studio: the loaded context length from /api/v0/models', async () => {
    const s = await serve('openai', { size: 6000, as: 'lmstudio' });
    const l = await detectContextLimit(endpoint(s));
    expect(l).toMatchObject({
      server: 'lmstudio',
      tokens: 6000,
      source: '/api/v0/models loaded_context_length',
    });
    expect(l.setting).toContain("LM Studio's load settings");
  });

  it('vLLM: max_model_len from /v1/models', async () => {
    const s = await serve('openai', 12000);
    const l = await detectContextLimit(endpoint(s));
    expect(l).toMatchObject({ server: 'vllm', tokens: 12000, source: '/v1/models max_model_len' });
    expect(l.setting).toContain('--max-model-len');
  });

  it('mlx_lm.server reports no limit: unknown, unless server.contextSize says', async () => {
    const s = await serve('mlx', 4096);
    expect(await detectContextLimit(endpoint(s))).toMatchObject({ server: 'unknown', tokens: null });
    expect(await detectContextLimit(endpoint(s, 3000))).toMatchObject({
      tokens: 3000,
      source: 'server.contextSize',
    });
  });

  it('a configured size wins over what the server says; no server at all is unknown', async () => {
    const s = await serve('llamacpp', 8192);
    expect((await detectContextLimit(endpoint(s, 2048))).tokens).toBe(2048);
    const gone = { baseURL: 'http://127.0.0.1:9/v1', apiKey: 'local', model: MODEL };
    expect(await detectContextLimit(gone)).toMatchObject({ tokens: null, server: 'unknown' });
  });

  it('a pool fits its smallest endpoint, with per-endpoint overrides, and each endpoint is asked once', async () => {
    const big = await serve('llamacpp', 16384);
    const small = await serve('openai', 5000);
    const l = await serverContextLimit({
      baseURL: big.baseURL,
      apiKey: 'local',
      model: MODEL,
      endpoints: [{ baseURL: small.baseURL }],
    });
    expect(l).toMatchObject({ server: 'vllm', tokens: 5000, baseURL: small.baseURL });
    const overridden = await serverContextLimit({
      baseURL: big.baseURL,
      apiKey: 'local',
      model: MODEL,
      endpoints: [{ baseURL: small.baseURL, contextSize: 20000 }],
    });
    expect(overridden).toMatchObject({ server: 'llamacpp', tokens: 16384 });
    // Cached per endpoint for the run: the same promise, never asked again.
    expect(contextLimit(endpoint(big))).toBe(contextLimit(endpoint(big)));
  });

  it('finds the routes beside /v1', () => {
    expect(serverRoot('http://h:8080/v1')).toBe('http://h:8080');
    expect(serverRoot('http://h:8080/v1/')).toBe('http://h:8080');
    expect(serverRoot('http://h:8080/proxy/v1')).toBe('http://h:8080/proxy');
  });
});

describe('overflowNumbers', () => {
  it("reads llama-server's typed error and vLLM's message, nested, at the top level or as raw text", async () => {
    const { overflowNumbers } = await import('../../src/llm/context-overflow.js');
    expect(
      overflowNumbers({
        error: {
          code: 400,
          type: 'exceed_context_size_error',
          n_prompt_tokens: 5000,
          n_ctx: 4096,
          message: 'x',
        },
      }),
    ).toEqual({ promptTokens: 5000, contextTokens: 4096, llama: true });
    const vllm = {
      object: 'error',
      message:
        "This model's maximum context length is 4096 tokens. However, you requested 6000 tokens (3952 in the messages, 2048 in the completion). Please reduce the length of the messages or completion.",
      type: 'BadRequestError',
      param: null,
      code: 400,
    };
    const want = { promptTokens: 3952, contextTokens: 4096, llama: false };
    expect(overflowNumbers(vllm)).toEqual(want);
    expect(overflowNumbers({ error: vllm })).toEqual(want);
    expect(overflowNumbers(JSON.stringify(vllm))).toEqual(want);
    const said = (message: string) => overflowNumbers({ error: { message } });
    expect(
      said(
        "This model's maximum context length is 4096 tokens. However, your messages resulted in 5000 tokens.",
      ),
    ).toEqual({ promptTokens: 5000, contextTokens: 4096, llama: false });
    expect(
      said(
        "This model's maximum context length is 4096 tokens. However, your request has 5000 input tokens.",
      ),
    ).toEqual({ promptTokens: 5000, contextTokens: 4096, llama: false });
    expect(
      said(
        'Trying to keep the first 5000 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens, which is not enough.',
      ),
    ).toEqual({ promptTokens: 5000, contextTokens: 4096, llama: false });
    expect(overflowNumbers({ error: { message: 'tools param requires --jinja flag' } })).toBeNull();
    expect(overflowNumbers('not json')).toBeNull();
  });
});
