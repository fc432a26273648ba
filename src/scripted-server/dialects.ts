/**
 * How each server family words the same things, as observed on the real servers: where the
 * reasoning goes, how tool calls are chunked, what errors look like, and how loading shows.
 *
 * The `llamacpp` dialect copies llama.cpp's `llama-server` (commit 34af94cd, run against rigged
 * GGUF models; see issue 11), point by point:
 *
 * 1. Loading: every route, `/health` and `/v1/models` included, answers 503
 *    `{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}` until the
 *    model is loaded (its pre-routing middleware refuses everything while `!is_ready`).
 * 2. A streamed answer opens with a role-only chunk, delta `{"role":"assistant","content":null}`
 *    (sent with the first token "to conform to openai behavior"); later deltas carry no role.
 * 3. No status line or header leaves before the first token exists: the HTTP handler waits for
 *    the first result (queueing and prompt processing included), so an error found before it
 *    (a fault that strikes before any chunk) is a plain HTTP error, not a stream.
 * 4. `max_tokens` (also `max_completion_tokens`, `n_predict`) is honoured: the answer stops after
 *    that many tokens with finish `length`, also in the middle of a tool call, whose arguments
 *    are then cut mid-JSON.
 * 5. Tool calls: the first delta of the first call carries `index`, `id`, `type`, the name and
 *    the first argument fragment together; then one argument fragment per token; a second call
 *    arrives whole in one delta.
 * 6. Unstreamed answers with tool calls say `content: ""`, not null.
 * 7. A `timings` object (`cache_n`, `prompt_n`, `prompt_ms`, `prompt_per_token_ms`,
 *    `prompt_per_second`, `predicted_n`, `predicted_ms`, `predicted_per_token_ms`,
 *    `predicted_per_second`) on the last chunk of a stream and on an unstreamed answer, and
 *    `usage.prompt_tokens_details.cached_tokens`.
 * 8. `model` is the model file path (`/models/qwen2.5-coder-7b-instruct-q4_k_m.gguf`) unless
 *    the script or the options name one; the requested model is never checked.
 * 9. An error after the first token is an event `data: {"error":{…}}`, then the stream ends
 *    with no `[DONE]` (fault `error-event`), and the server closes the connection although the
 *    headers said keep-alive (its content provider ends in error, so cpp-httplib drops it).
 * 10. A body that is not JSON is a 500 `server_error` worded by nlohmann::json
 *     (`[json.exception.parse_error.101] parse error at line 1, column 1: …`).
 * 11. Every error response (status >= 400) says `Connection: close` and closes the connection,
 *     as cpp-httplib does; an unknown route is a 404 `File Not Found`.
 * 12. UTF-8-safe chunking: a multi-byte character is never split across chunks (the server
 *     holds back an incomplete UTF-8 sequence until the next token completes it). This one holds
 *     for every dialect: text is split on code points.
 *
 * Replies read from a file (file-reply.ts) follow points 2, 8 and 12 only: they exist to be
 * huge, so they ignore `max_tokens`, and they carry no timings.
 *
 * Not here: the context-size routes with the context-overflow 400, and N slots where a request
 * waits with nothing sent, belong to their own modules.
 */
export type Dialect = 'mlx' | 'llamacpp' | 'ollama' | 'openai';

export interface DialectTraits {
  /** Field of the delta/message that carries reasoning. */
  reasoningField: 'reasoning' | 'reasoning_content';
  /** mlx_lm.server repeats `role` in every delta; the others only in the first. */
  roleInEveryDelta: boolean;
  /** mlx_lm.server sends `: keepalive` comments while it reads the prompt. */
  keepalive: boolean;
  /** Tool calls sent whole in one piece (mlx, Ollama) or as name then argument fragments. */
  toolCallsWhole: boolean;
  /** mlx_lm.server's whole calls carry no `index`. */
  toolCallIndex: boolean;
  /** While loading: `wait` holds completions until loaded (and /health says ok), `503` refuses. */
  whileLoading: 'wait' | '503';
  /** Whether a request for another model than the served one gets a 404. */
  checksModel: boolean;
  headers: Record<string, string>;
  /** The llama-server points (see the list above); absent for the other dialects. */
  llama?: LlamaTraits;
}

/** What only llama-server does, numbered as in the list at the top of this file. */
export interface LlamaTraits {
  /** 1: 503 on every route while loading. */
  loadingOnEveryRoute: true;
  /** 2: the role-only first chunk. */
  roleOnlyFirstChunk: true;
  /** 3: status and headers held until the first token. */
  headersWithFirstToken: true;
  /** 4: `max_tokens` cuts the answer (finish `length`). */
  honoursMaxTokens: true;
  /** 5: first call's head and first argument fragment together; later calls whole. */
  toolCallHeadWithArguments: true;
  /** 7: the `timings` object. */
  timings: true;
  /** 8: the model named in answers and /v1/models when the script names none. */
  modelPath: string;
  /** 10: a body that is not JSON gets this status. */
  badJsonStatus: 500;
  /** 11: error responses close the connection. */
  closeOnError: true;
}

/** The model file a llama-server would name in its answers (`-m` of the server command). */
export const LLAMA_MODEL_PATH = '/models/qwen2.5-coder-7b-instruct-q4_k_m.gguf';

export const dialects: Record<Dialect, DialectTraits> = {
  mlx: {
    reasoningField: 'reasoning',
    roleInEveryDelta: true,
    keepalive: true,
    toolCallsWhole: true,
    toolCallIndex: false,
    whileLoading: 'wait',
    checksModel: true,
    headers: { server: 'BaseHTTP/0.6 Python/3.12.8' },
  },
  llamacpp: {
    reasoningField: 'reasoning_content',
    roleInEveryDelta: false,
    keepalive: false,
    toolCallsWhole: false,
    toolCallIndex: true,
    whileLoading: '503',
    checksModel: false,
    headers: { server: 'llama.cpp' },
    llama: {
      loadingOnEveryRoute: true,
      roleOnlyFirstChunk: true,
      headersWithFirstToken: true,
      honoursMaxTokens: true,
      toolCallHeadWithArguments: true,
      timings: true,
      modelPath: LLAMA_MODEL_PATH,
      badJsonStatus: 500,
      closeOnError: true,
    },
  },
  ollama: {
    reasoningField: 'reasoning',
    roleInEveryDelta: true,
    keepalive: false,
    toolCallsWhole: true,
    toolCallIndex: true,
    whileLoading: 'wait',
    checksModel: true,
    headers: {},
  },
  // Plain OpenAI as vLLM serves it; reasoning where vLLM and LM Studio put it.
  openai: {
    reasoningField: 'reasoning_content',
    roleInEveryDelta: false,
    keepalive: false,
    toolCallsWhole: false,
    toolCallIndex: true,
    whileLoading: '503',
    checksModel: true,
    headers: { server: 'uvicorn' },
  },
};

const openaiType = (status: number) =>
  status === 404
    ? 'not_found_error'
    : status === 503
      ? 'unavailable_error'
      : status < 500
        ? 'invalid_request_error'
        : 'server_error';

/** An error body as the dialect writes it. */
export function errorBody(dialect: Dialect, status: number, message: string): unknown {
  switch (dialect) {
    case 'mlx':
      return { error: message };
    case 'llamacpp':
      return { error: { code: status, message, type: openaiType(status) } };
    case 'ollama':
      return { error: { message, type: status < 500 ? 'invalid_request_error' : 'api_error' } };
    case 'openai':
      return { error: { message, type: openaiType(status), param: null, code: null } };
  }
}

export const LOADING_MESSAGE = 'Loading model';

export function unknownModelMessage(dialect: Dialect, asked: string, served: string): string {
  if (dialect === 'ollama') return `model "${asked}" not found, try pulling it first`;
  if (dialect === 'mlx') return `Repository Not Found for ${asked} (this server serves ${served})`;
  return `The model \`${asked}\` does not exist.`;
}
