/**
 * What OpenAI-compatible servers actually send, looser than the SDK's types: every field may be
 * missing or null, and reasoning hides under names the official API does not have.
 */

export interface WireToolCallPiece {
  index?: number;
  id?: string | null;
  type?: string;
  function?: { name?: string | null; arguments?: string | Record<string, unknown> | null };
}

export interface WireMessage {
  role?: string;
  content?: string | null;
  /** mlx_lm.server, Ollama, newer vLLM. */
  reasoning?: string | null;
  /** llama-server, LM Studio, older vLLM. */
  reasoning_content?: string | null;
  tool_calls?: WireToolCallPiece[] | null;
}

export interface WireChoice {
  index?: number;
  /** Streaming. */
  delta?: WireMessage | null;
  /** Not streaming. */
  message?: WireMessage | null;
  finish_reason?: string | null;
}

export interface WireUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
}

/** A stream chunk or a whole completion: the same envelope, with `delta` or `message`. */
export interface WireCompletion {
  model?: string;
  choices?: WireChoice[] | null;
  usage?: WireUsage | null;
  error?: unknown;
}
