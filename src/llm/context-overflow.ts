import { LlmError } from './errors.js';

/**
 * A request the server refused because its prompt (or prompt plus max_tokens) does not fit the
 * context. The numbers come from the server, so the caller can shrink the prompt and retry once;
 * a retry of the same request would fail the same way, so the queue never retries it.
 */
export class ContextOverflowError extends LlmError {
  constructor(
    message: string,
    opts: { server: string; status: number; hint: string },
    /** The prompt's tokens as the server counted them. */
    readonly promptTokens: number,
    /** The context the request had to fit (llama-server: one slot's). */
    readonly contextTokens: number,
  ) {
    super('http', message, { ...opts, problem: 'context-overflow' });
    this.name = 'ContextOverflowError';
  }
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' ? (v as Json) : undefined);

/**
 * The server's own numbers from an overflow error body: llama-server's
 * `{"error":{"type":"exceed_context_size_error","n_prompt_tokens":N,"n_ctx":M}}`, or vLLM's
 * "maximum context length is M tokens. However, you requested T tokens (P in the messages, …"
 * (nested under `error`, or at the top level in older versions; raw text when not parsed yet).
 */
export function overflowNumbers(
  body: unknown,
): { promptTokens: number; contextTokens: number; llama: boolean } | null {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return null;
    }
  }
  const root = obj(parsed);
  const e = obj(root?.error) ?? root;
  if (!e) return null;
  if (
    e.type === 'exceed_context_size_error' &&
    typeof e.n_prompt_tokens === 'number' &&
    typeof e.n_ctx === 'number'
  )
    return { promptTokens: e.n_prompt_tokens, contextTokens: e.n_ctx, llama: true };
  const message = typeof e.message === 'string' ? e.message : '';
  // vLLM, whose wording changed across versions; LM Studio when the prompt alone is too long.
  const vllmMax = /maximum context length is (\d+) tokens/i.exec(message);
  if (vllmMax) {
    const prompt =
      /\((\d+) in the messages/.exec(message) ??
      /messages resulted in (\d+) tokens/.exec(message) ??
      /request has (\d+) input tokens/.exec(message) ??
      /you requested (\d+) tokens/.exec(message);
    if (prompt) return { contextTokens: Number(vllmMax[1]), promptTokens: Number(prompt[1]), llama: false };
  }
  const lmstudio = /keep the first (\d+) tokens.*context length of only (\d+) tokens/is.exec(message);
  if (lmstudio)
    return { promptTokens: Number(lmstudio[1]), contextTokens: Number(lmstudio[2]), llama: false };
  return null;
}

/** The overflow as one LlmError naming the numbers and the setting to change, or null. */
export function contextOverflowError(
  status: number,
  body: unknown,
  serverName: string,
  baseURL: string,
): ContextOverflowError | null {
  // The body, not the status, says it: LM Studio and proxies do not all answer 400.
  if (status < 400) return null;
  const n = overflowNumbers(body);
  if (!n) return null;
  return new ContextOverflowError(
    `${serverName} refused the request: its prompt is ${n.promptTokens} tokens and the context is ${n.contextTokens}`,
    {
      server: baseURL,
      status,
      hint: n.llama
        ? 'give llama-server a larger context (-c/--ctx-size; it is split across the -np slots), or lower agent.maxTokensPerTurn'
        : "give the server a larger context (vLLM's --max-model-len, LM Studio's context length), or lower agent.maxTokensPerTurn",
    },
    n.promptTokens,
    n.contextTokens,
  );
}
