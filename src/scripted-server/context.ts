import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Dialect } from './dialects.js';
import { promptText } from './images.js';

/**
 * The model's context as each server family reports it, on its own route, and the overflow
 * errors of the servers that refuse a prompt too long: the scripted side of
 * src/llm/context-size.ts and src/llm/context-overflow.ts.
 */
export const contextSchema = z.union([
  z.number().int().positive(),
  z.object({
    /** The context: llama-server's `-c` (split across `slots`), Ollama's num_ctx, vLLM's max_model_len, LM Studio's loaded length. */
    size: z.number().int().positive(),
    /** llama-server's `-np`: each slot gets size / slots. */
    slots: z.number().int().min(1).optional(),
    /** The model's own (training) context; default 32768. */
    trained: z.number().int().positive().optional(),
    /** The `openai` dialect answers as vLLM (default) or LM Studio. */
    as: z.enum(['vllm', 'lmstudio']).optional(),
    /** Characters per token when the server counts a prompt against the context (default 4). */
    charsPerToken: z.number().positive().optional(),
  }),
]);

export type ContextSetting = z.output<typeof contextSchema>;

interface Context {
  size: number;
  slots: number;
  perSlot: number;
  trained: number;
  as: 'vllm' | 'lmstudio';
  charsPerToken: number;
}

function resolve(setting: ContextSetting | undefined): Context | undefined {
  if (setting === undefined) return undefined;
  const s = typeof setting === 'number' ? { size: setting } : setting;
  const slots = s.slots ?? 1;
  return {
    size: s.size,
    slots,
    perSlot: Math.floor(s.size / slots),
    trained: s.trained ?? 32768,
    as: s.as ?? 'vllm',
    charsPerToken: s.charsPerToken ?? 4,
  };
}

const OLLAMA_DEFAULT = 4096;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): true {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
  return true;
}

/** Fields the dialect adds to its `/v1/models` entry. */
export function modelFields(dialect: Dialect, setting: ContextSetting | undefined): Record<string, unknown> {
  const c = resolve(setting);
  if (!c) return {};
  if (dialect === 'llamacpp')
    return {
      owned_by: 'llamacpp',
      meta: { vocab_type: 2, n_vocab: 151936, n_ctx_train: c.trained, n_embd: 896 },
    };
  if (dialect === 'openai' && c.as === 'vllm') return { owned_by: 'vllm', max_model_len: c.size };
  return {};
}

/**
 * Answers the dialect's context route (llama-server `GET /props`, Ollama `POST /api/show`, LM
 * Studio `GET /api/v0/models`); false when the request is not one.
 */
export function contextRoute(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  body: () => Promise<string>,
  o: {
    dialect: Dialect;
    setting: ContextSetting | undefined;
    model: string;
    headers: Record<string, string>;
  },
): boolean {
  const c = resolve(o.setting);
  if (!c) return false;
  if (o.dialect === 'llamacpp' && req.method === 'GET' && path === '/props') {
    return send(
      res,
      200,
      {
        default_generation_settings: { n_ctx: c.perSlot, params: { n_predict: -1 } },
        total_slots: c.slots,
        model_path: o.model,
        chat_template: '{{ messages }}',
        build_info: 'b0-scripted',
      },
      o.headers,
    );
  }
  if (o.dialect === 'openai' && c.as === 'lmstudio' && req.method === 'GET' && path === '/api/v0/models') {
    const entry = {
      id: o.model,
      object: 'model',
      type: 'llm',
      publisher: 'scripted',
      arch: 'qwen2',
      compatibility_type: 'gguf',
      quantization: 'Q4_K_M',
      state: 'loaded',
      max_context_length: c.trained,
      loaded_context_length: c.size,
    };
    return send(res, 200, { object: 'list', data: [entry] }, o.headers);
  }
  if (o.dialect === 'ollama' && req.method === 'POST' && path === '/api/show') {
    void body().then((text) => {
      let asked = '';
      try {
        asked = String((JSON.parse(text) as { model?: unknown }).model ?? '');
      } catch {
        return send(res, 400, { error: 'invalid JSON body' }, o.headers);
      }
      if (asked !== o.model) return send(res, 404, { error: `model '${asked}' not found` }, o.headers);
      // Ollama shows num_ctx only when the model sets one; 4096 is its default.
      const parameters = [
        'stop                           "<|im_end|>"',
        ...(c.size !== OLLAMA_DEFAULT ? [`num_ctx                        ${c.size}`] : []),
      ].join('\n');
      return send(
        res,
        200,
        {
          parameters,
          details: { family: 'qwen2', format: 'gguf', parameter_size: '494M', quantization_level: 'Q4_0' },
          model_info: { 'general.architecture': 'qwen2', 'qwen2.context_length': c.trained },
        },
        o.headers,
      );
    });
    return true;
  }
  return false;
}

/** The prompt's tokens as this server counts them against its context. */
function promptTokens(body: Record<string, unknown>, c: Context): number {
  let chars = body.tools ? JSON.stringify(body.tools).length : 0;
  const messages = Array.isArray(body.messages) ? (body.messages as { content?: unknown }[]) : [];
  for (const m of messages) chars += promptText(m.content).length;
  return Math.ceil(chars / c.charsPerToken) + 8 * messages.length;
}

/**
 * The overflow error of the servers that check a prompt against the context, with their real
 * bodies: llama-server refuses a prompt that does not fit one slot; vLLM refuses a prompt whose
 * prompt plus max_tokens passes max_model_len. True when it answered.
 */
export function contextOverflow(
  res: ServerResponse,
  dialect: Dialect,
  setting: ContextSetting | undefined,
  body: Record<string, unknown>,
  headers: Record<string, string>,
): boolean {
  const c = resolve(setting);
  if (!c) return false;
  const n = promptTokens(body, c);
  if (dialect === 'llamacpp' && n >= c.perSlot) {
    const error = {
      code: 400,
      message: 'the request exceeds the available context size, try increasing it',
      type: 'exceed_context_size_error',
      n_prompt_tokens: n,
      n_ctx: c.perSlot,
    };
    return send(res, 400, { error }, { ...headers, connection: 'close' });
  }
  const max = typeof body.max_tokens === 'number' ? body.max_tokens : 0;
  if (dialect === 'openai' && c.as === 'vllm' && n + max > c.size) {
    const message =
      `This model's maximum context length is ${c.size} tokens. However, you requested ${n + max} tokens ` +
      `(${n} in the messages, ${max} in the completion). Please reduce the length of the messages or completion.`;
    return send(res, 400, { error: { message, type: 'BadRequestError', param: null, code: 400 } }, headers);
  }
  return false;
}
