/**
 * How much a model may send for one request. `max_tokens` is asked of the server, but a server
 * may ignore it (or a proxy may loop): without a cap of our own a 600 MB reply ends in "Invalid
 * string length" after eating gigabytes. The cap is a multiple of max_tokens, generous enough
 * that no real answer meets it (code runs at 3-4 characters per token).
 */
import type { WireCompletion, WireMessage } from './normalize-wire.js';

/** Characters of reply allowed per token of max_tokens. */
export const CHARS_PER_TOKEN_CAP = 16;
/** However small max_tokens is, this much is always allowed. */
const MIN_REPLY_CHARS = 64 * 1024;
/** Envelope room: a JSON chunk carries ids, the model name and escapes around its text. */
const WIRE_FACTOR = 8;
const WIRE_SLACK = 64 * 1024;

/** Characters of text (content, reasoning, tool calls) one request's answer may hold. */
export function replyLimitChars(maxTokens: number): number {
  return Math.max(MIN_REPLY_CHARS, Math.floor(maxTokens) * CHARS_PER_TOKEN_CAP);
}

/** Bytes one SSE line, or a whole JSON answer, may take on the wire. */
export function wireLimitBytes(maxTokens: number): number {
  return replyLimitChars(maxTokens) * WIRE_FACTOR + WIRE_SLACK;
}

const messageChars = (m: WireMessage | null | undefined): number => {
  if (!m) return 0;
  let n = (m.content?.length ?? 0) + (m.reasoning?.length ?? 0) + (m.reasoning_content?.length ?? 0);
  for (const c of m.tool_calls ?? []) {
    const args = c.function?.arguments;
    n += (c.function?.name?.length ?? 0) + (typeof args === 'string' ? args.length : 0);
  }
  return n;
};

/** The text characters a chunk or completion adds to the answer. */
export function replyChars(env: WireCompletion): number {
  let n = 0;
  for (const c of env.choices ?? []) n += messageChars(c.delta) + messageChars(c.message);
  return n;
}

/** Thrown by a bounded reader when the body passes its byte limit. */
export class WireLimitError extends Error {
  constructor(readonly limitBytes: number) {
    super(`more than ${limitBytes} bytes`);
  }
}

/**
 * The body's text, refusing (WireLimitError) past `limitBytes`, or with `truncate` only its first
 * `limitBytes`; the rest is never read.
 */
export async function boundedText(
  response: Response,
  limitBytes: number,
  opts: { truncate?: boolean } = {},
): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.length > limitBytes) {
        if (!opts.truncate) throw new WireLimitError(limitBytes);
        parts.push(value.subarray(0, limitBytes - size));
        break;
      }
      size += value.length;
      parts.push(value);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return Buffer.concat(parts).toString('utf8');
}
