/**
 * The scripted server's context routes and overflow errors, byte for byte as the real servers
 * send them, over plain HTTP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedServer, type Dialect, type ScriptedServer } from '../../src/scripted-server/index.js';
import type { Script } from '../../src/scripted-server/script.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(dialect: Dialect, context?: Script['context']) {
  const s = await startScriptedServer({
    script: { model: 'm', ...(context ? { context } : {}), default: { content: 'ok' } },
    dialect,
  });
  servers.push(s);
  return s;
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('scripted context routes', () => {
  it('llamacpp: /props per slot, n_ctx_train in /v1/models, and the real overflow 400 with Connection: close', async () => {
    const s = await serve('llamacpp', { size: 2048, slots: 2, trained: 40960 });
    const props = (await (await fetch(`${s.url}/props`)).json()) as Record<string, unknown>;
    expect(props).toMatchObject({ default_generation_settings: { n_ctx: 1024 }, total_slots: 2 });
    const models = (await (await fetch(`${s.baseURL}/models`)).json()) as { data: Record<string, unknown>[] };
    expect(models.data[0]).toMatchObject({ id: 'm', meta: { n_ctx_train: 40960 } });

    const big = { model: 'm', messages: [{ role: 'user', content: 'z'.repeat(8000) }], max_tokens: 10 };
    const res = await post(`${s.baseURL}/chat/completions`, big);
    expect(res.status).toBe(400);
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.json()).toEqual({
      error: {
        code: 400,
        message: 'the request exceeds the available context size, try increasing it',
        type: 'exceed_context_size_error',
        n_prompt_tokens: 2008,
        n_ctx: 1024,
      },
    });
    const small = { ...big, messages: [{ role: 'user', content: 'hi' }] };
    expect((await post(`${s.baseURL}/chat/completions`, small)).status).toBe(200);
  });

  it('ollama: /api/show with num_ctx only when it is not the default, 404 for another model', async () => {
    const s = await serve('ollama', 8192);
    const show = (await (await post(`${s.url}/api/show`, { model: 'm' })).json()) as Record<string, unknown>;
    expect(show.parameters).toMatch(/^num_ctx\s+8192$/m);
    expect(show.model_info).toEqual({ 'general.architecture': 'qwen2', 'qwen2.context_length': 32768 });
    expect((await post(`${s.url}/api/show`, { model: 'other' })).status).toBe(404);
    const plain = await serve('ollama', 4096);
    const shown = (await (await post(`${plain.url}/api/show`, { model: 'm' })).json()) as {
      parameters: string;
    };
    expect(shown.parameters).not.toContain('num_ctx');
  });

  it('openai: vLLM max_model_len and its overflow message; LM Studio /api/v0/models', async () => {
    const v = await serve('openai', 1000);
    const models = (await (await fetch(`${v.baseURL}/models`)).json()) as { data: Record<string, unknown>[] };
    expect(models.data[0]).toMatchObject({ max_model_len: 1000 });
    const res = await post(`${v.baseURL}/chat/completions`, {
      model: 'm',
      messages: [{ role: 'user', content: 'hello' }],
      max_tokens: 2000,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      "This model's maximum context length is 1000 tokens. However, you requested 2010 tokens (10 in the messages, 2000 in the completion). Please reduce the length of the messages or completion.",
    );
    const lm = await serve('openai', { size: 3000, as: 'lmstudio' });
    const list = (await (await fetch(`${lm.url}/api/v0/models`)).json()) as {
      data: Record<string, unknown>[];
    };
    expect(list.data[0]).toMatchObject({ id: 'm', state: 'loaded', loaded_context_length: 3000 });
    expect((await fetch(`${lm.url}/props`)).status).toBe(404);
  });

  it('without a context in the script there are no such routes and no limit', async () => {
    const s = await serve('llamacpp');
    expect((await fetch(`${s.url}/props`)).status).toBe(404);
    const big = { model: 'm', messages: [{ role: 'user', content: 'z'.repeat(100_000) }], max_tokens: 10 };
    expect((await post(`${s.baseURL}/chat/completions`, big)).status).toBe(200);
  });
});
