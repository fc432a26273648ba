import { createParser, type ParseError } from 'eventsource-parser';

/** One thing read from a server-sent-events body. */
export type SseItem =
  | { type: 'data'; data: string }
  /** `: keepalive` and friends: proof of life, nothing else. */
  | { type: 'comment'; text: string }
  /** A line no SSE field explains: the body is not an event stream (an HTML page, say). */
  | { type: 'other'; line: string };

/** A line or event longer than the reader accepts (a runaway or hostile server). */
export class SseTooLong extends Error {
  constructor(readonly maxChars: number) {
    super(`an SSE line or event longer than ${maxChars} characters`);
  }
}

/**
 * Parses an SSE body as it arrives, with eventsource-parser doing the framing. The SDK's own
 * stream reader is not used because it hides what factory must see: whether `[DONE]` came,
 * keepalive comments, and the raw text of a line that is not SSE at all.
 */
export async function* parseSse(
  chunks: AsyncIterable<Uint8Array>,
  /** Longest line or event (in characters) accepted; past it, SseTooLong is thrown. */
  maxChars = Infinity,
): AsyncGenerator<SseItem> {
  const decoder = new TextDecoder();
  let ready: SseItem[] = [];
  const bounded = Number.isFinite(maxChars);
  const parser = createParser({
    onEvent: (event) => {
      if (event.data.length > maxChars) throw new SseTooLong(maxChars);
      ready.push({ type: 'data', data: event.data });
    },
    onComment: (text) => ready.push({ type: 'comment', text: text.trim() }),
    onError: (error: ParseError) => {
      if (error.type === 'max-buffer-size-exceeded') throw new SseTooLong(maxChars);
      // A line that names no SSE field. (A bad `retry` value is only about reconnecting: ignored.)
      if (error.type === 'unknown-field') ready.push({ type: 'other', line: error.line ?? '' });
    },
    // The parser keeps the unfinished line and the event's data lines so far: bounded together.
    ...(bounded ? { maxBufferSize: maxChars } : {}),
  });
  // Characters since the last line break, across chunks: a line is refused as soon as it is too
  // long, whether it ends in this chunk or not, and each character is looked at once.
  let lineChars = 0;
  const guardLines = (text: string) => {
    if (!bounded) return;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || c === 13) lineChars = 0;
      else if (++lineChars > maxChars) throw new SseTooLong(maxChars);
    }
  };
  const take = () => {
    const items = ready;
    ready = [];
    return items;
  };

  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    guardLines(text);
    parser.feed(text);
    yield* take();
  }
  const rest = decoder.decode();
  guardLines(rest);
  // A last line without its end, and a last event without its blank line, still count: some
  // servers end the body right after it. Two line ends close both (extra blank lines are no-ops).
  parser.feed(`${rest}\n\n`);
  yield* take();
}
