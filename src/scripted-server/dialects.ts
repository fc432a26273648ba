/**
 * How each server family words the same things, as observed on the real servers: where the
 * reasoning goes, how tool calls are chunked, what errors look like, and how loading shows.
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
}

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
