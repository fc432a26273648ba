/**
 * parseSse on eventsource-parser: what factory relies on, chunk boundaries anywhere, and the
 * size guard (a line or event past maxChars stops the read, without reading the rest first).
 */
import { describe, expect, it } from 'vitest';
import { parseSse, SseTooLong, type SseItem } from '../../src/llm/sse.js';

const encoder = new TextEncoder();

/** The body as the given pieces; `pulled` counts the pieces the parser asked for. */
function body(pieces: Array<string | Uint8Array>) {
  const state = { pulled: 0 };
  async function* chunks() {
    for (const p of pieces) {
      state.pulled++;
      yield typeof p === 'string' ? encoder.encode(p) : p;
    }
  }
  return { chunks: chunks(), state };
}

async function parse(pieces: Array<string | Uint8Array>, maxChars?: number): Promise<SseItem[]> {
  const items: SseItem[] = [];
  for await (const item of parseSse(body(pieces).chunks, maxChars)) items.push(item);
  return items;
}

/** Every way of cutting `text` in two, and one byte at a time. */
function splits(text: string): string[][] {
  const out: string[][] = [];
  for (let i = 0; i <= text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  out.push([...text]);
  return out;
}

const data = (d: string): SseItem => ({ type: 'data', data: d });

describe('parseSse: framing', () => {
  it('reads CRLF, CR and LF line ends, a CRLF split across chunks included', async () => {
    const text = 'data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\ndata: e\r\n\r\n';
    for (const pieces of splits(text))
      expect(await parse(pieces)).toEqual([data('a'), data('b'), data('c'), data('d\ne')]);
  });

  it('treats a lone CR at the end of a chunk as a line end once the next chunk shows no LF', async () => {
    expect(await parse(['data: a\r', '\r', 'data: b\r', 'data: c\r\r'])).toEqual([data('a'), data('b\nc')]);
  });

  it('decodes UTF-8 characters split between chunks', async () => {
    const bytes = encoder.encode('data: héllo wörld ✓\n\n');
    for (let i = 0; i <= bytes.length; i++)
      expect(await parse([bytes.slice(0, i), bytes.slice(i)])).toEqual([data('héllo wörld ✓')]);
  });

  it('hands comments over trimmed, keepalives included, and never as data', async () => {
    expect(await parse([': keepalive\n\n', ':tight  \n', ':\n', 'data: x\n\n'])).toEqual([
      { type: 'comment', text: 'keepalive' },
      { type: 'comment', text: 'tight' },
      { type: 'comment', text: '' },
      data('x'),
    ]);
  });

  it('ignores event, id and retry lines (a bad retry too), and keeps the data of named events', async () => {
    const text = 'event: delta\nid: 7\nretry: 1000\nretry: soon\ndata: {"a":1}\n\nid\nevent\n\n';
    for (const pieces of splits(text)) expect(await parse(pieces)).toEqual([data('{"a":1}')]);
  });

  it('flags every line that names no SSE field with its whole text, in order with the rest', async () => {
    expect(
      await parse(
        ['<!DOCTYPE html>\n<html lang="en">\r\n', 'data: x\n\n', 'Data: y\n', 'no colon at all'],
        1000,
      ),
    ).toEqual([
      { type: 'other', line: '<!DOCTYPE html>' },
      { type: 'other', line: '<html lang="en">' },
      data('x'),
      { type: 'other', line: 'Data: y' },
      { type: 'other', line: 'no colon at all' },
    ]);
  });

  it('keeps data values as they are: one leading space dropped, empty data lines joined', async () => {
    expect(await parse(['data:x\ndata:  two spaces\ndata\ndata:\n\n'])).toEqual([data('x\n two spaces\n\n')]);
  });

  it('keeps a last event that lacks its blank line, whatever the body ends with', async () => {
    expect(await parse(['data: a'])).toEqual([data('a')]);
    expect(await parse(['data: a\n'])).toEqual([data('a')]);
    expect(await parse(['data: a\r'])).toEqual([data('a')]);
    expect(await parse(['data: a\r\n'])).toEqual([data('a')]);
    expect(await parse(['data: a\ndata: b'])).toEqual([data('a\nb')]);
    expect(await parse(['data: a\n\n'])).toEqual([data('a')]);
    expect(await parse([])).toEqual([]);
  });

  it('yields what a chunk completes before the next chunk is read', async () => {
    const { chunks, state } = body(['data: 1\n\n', 'data: 2\n', '\n', 'data: [DONE]\n\n', 'never read']);
    const seen: Array<[string, number]> = [];
    for await (const item of parseSse(chunks)) {
      if (item.type !== 'data') continue;
      seen.push([item.data, state.pulled]);
      if (item.data === '[DONE]') break;
    }
    expect(seen).toEqual([
      ['1', 1],
      ['2', 3],
      ['[DONE]', 4],
    ]);
    expect(state.pulled).toBe(4);
  });
});

describe('parseSse: size guard', () => {
  const MAX = 1000;

  it('accepts a line and an event of exactly maxChars', async () => {
    const line = `data: ${'a'.repeat(MAX - 6)}`;
    expect(await parse([`${line}\n\n`], MAX)).toEqual([data('a'.repeat(MAX - 6))]);
    const value = 'b'.repeat(MAX);
    expect(await parse([`data:${value.slice(0, 500)}`, `${value.slice(500)}\n\n`], MAX + 5)).toEqual([
      data(value),
    ]);
  });

  it('refuses a long line that arrives whole in one chunk, whatever its field', async () => {
    for (const line of [`data: ${'x'.repeat(MAX)}`, `event: ${'x'.repeat(MAX)}`, `: ${'x'.repeat(MAX)}`])
      await expect(parse([`${line}\n\ndata: after\n\n`], MAX)).rejects.toBeInstanceOf(SseTooLong);
    await expect(parse(['x'.repeat(MAX + 1)], MAX)).rejects.toBeInstanceOf(SseTooLong);
  });

  it('stops a line that never ends as soon as it passes the limit, without reading on', async () => {
    const pieces = ['data: ', ...Array.from({ length: 100 }, () => 'y'.repeat(100))];
    const { chunks, state } = body(pieces);
    const items: SseItem[] = [];
    const read = (async () => {
      for await (const item of parseSse(chunks, MAX)) items.push(item);
    })();
    await expect(read).rejects.toBeInstanceOf(SseTooLong);
    expect(items).toEqual([]);
    // 6 + 10 * 100 characters pass the limit: the 11th piece of text is the last one read.
    expect(state.pulled).toBe(11);
  });

  it('counts a line across chunks only since its last line break', async () => {
    const pieces: string[] = [];
    for (let i = 0; i < 50; i++) pieces.push(`data: ${i}${'z'.repeat(300)}`, `${'z'.repeat(300)}\n\n`);
    const items = await parse(pieces, MAX);
    expect(items).toHaveLength(50);
  });

  it('refuses an event whose data lines together pass the limit, in one chunk or many', async () => {
    const lines = Array.from({ length: 20 }, () => `data: ${'w'.repeat(99)}\n`);
    await expect(parse([`${lines.join('')}\n`], MAX)).rejects.toBeInstanceOf(SseTooLong);
    const { chunks, state } = body([...lines, '\n', 'data: later\n\n']);
    const read = (async () => {
      for await (const item of parseSse(chunks, MAX)) void item;
    })();
    await expect(read).rejects.toBeInstanceOf(SseTooLong);
    expect(state.pulled).toBeLessThan(lines.length);
  });

  it('has no limit by default: a 4 MB line in 1 KB pieces is one event', async () => {
    const big = 'q'.repeat(4 * 1024 * 1024);
    const pieces = ['data: '];
    for (let i = 0; i < big.length; i += 1024) pieces.push(big.slice(i, i + 1024));
    pieces.push('\n\ndata: [DONE]\n\n');
    const items = await parse(pieces);
    expect(items).toHaveLength(2);
    expect(items[0]).toEqual(data(big));
  });
});
