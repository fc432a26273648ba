/** One thing read from a server-sent-events body. */
export type SseItem =
  | { type: 'data'; data: string }
  /** `: keepalive` and friends: proof of life, nothing else. */
  | { type: 'comment'; text: string }
  /** A line no SSE field explains: the body is not an event stream (an HTML page, say). */
  | { type: 'other'; line: string };

const FIELDS = new Set(['data', 'event', 'id', 'retry']);

/** A line or event longer than the reader accepts (a runaway or hostile server). */
export class SseTooLong extends Error {
  constructor(readonly maxChars: number) {
    super(`an SSE line or event longer than ${maxChars} characters`);
  }
}

/**
 * Parses an SSE body as it arrives. Written here rather than taken from the SDK because the
 * SDK's parser hides what factory must see: whether `[DONE]` came, keepalive comments, and the
 * raw text of a chunk that is not JSON.
 */
export async function* parseSse(
  chunks: AsyncIterable<Uint8Array>,
  /** Longest line or event (in characters) accepted; past it, SseTooLong is thrown. */
  maxChars = Infinity,
): AsyncGenerator<SseItem> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let dataChars = 0;

  function* line(text: string): Generator<SseItem> {
    if (text === '') {
      if (data.length > 0) yield { type: 'data', data: data.join('\n') };
      data = [];
      dataChars = 0;
      return;
    }
    if (text.startsWith(':')) {
      yield { type: 'comment', text: text.slice(1).trim() };
      return;
    }
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') {
      dataChars += value.length;
      if (dataChars > maxChars) throw new SseTooLong(maxChars);
      data.push(value);
    } else if (!FIELDS.has(field)) yield { type: 'other', line: text };
  }

  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    // A line still without its end: no need to split the whole buffer again (that would be
    // quadratic in a long line), only to check its size.
    if (!/[\r\n]/.test(text) && !buffer.endsWith('\r')) {
      buffer += text;
      if (buffer.length > maxChars) throw new SseTooLong(maxChars);
      continue;
    }
    buffer += text;
    // A trailing '\r' may be the first half of '\r\n': keep it for the next chunk.
    const lines = buffer.split(/\r\n|\r(?!$)|\n/);
    buffer = lines.pop() ?? '';
    for (const l of lines) {
      if (l.length > maxChars) throw new SseTooLong(maxChars);
      yield* line(l);
    }
    if (buffer.length > maxChars) throw new SseTooLong(maxChars);
  }
  buffer += decoder.decode();
  for (const text of buffer.split(/\r\n|\r|\n/)) yield* line(text);
  // A last event without its blank line still counts: some servers end the body right after it.
  yield* line('');
}
