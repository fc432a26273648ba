import { describe, expect, it } from 'vitest';
import { ToolCallAssembler } from '../../src/llm/normalize-tool-calls.js';
import { parseSse, type SseItem } from '../../src/llm/sse.js';
import { extractTextToolCalls } from '../../src/llm/text-tool-calls.js';
import { ThinkSplitter } from '../../src/llm/think.js';

/** Feeds `text` split at every pair of positions, so every tag is cut every possible way. */
function everySplit(text: string): string[][] {
  const out: string[][] = [[text]];
  for (let i = 1; i < text.length; i++) {
    for (let j = i + 1; j < text.length; j++) out.push([text.slice(0, i), text.slice(i, j), text.slice(j)]);
  }
  return out;
}

function split(pieces: string[]) {
  const seen = { content: '', reasoning: '' };
  const s = new ThinkSplitter({
    content: (d) => (seen.content += d),
    reasoning: (d) => (seen.reasoning += d),
  });
  for (const p of pieces) s.push(p);
  s.end();
  return { ...s.result(), seen };
}

describe('ThinkSplitter', () => {
  it('splits a leading think block however the chunks fall', () => {
    for (const pieces of everySplit('<think>\nplan it</think>\n\nthe answer')) {
      const r = split(pieces);
      expect([r.reasoning, r.content], pieces.join('|')).toEqual(['plan it', 'the answer']);
      expect(r.seen).toEqual({ content: 'the answer', reasoning: 'plan it' });
    }
  });

  it('turns everything before a lone </think> into reasoning', () => {
    for (const pieces of everySplit('I think so.</think>Yes')) {
      const r = split(pieces);
      expect([r.reasoning, r.content], pieces.join('|')).toEqual(['I think so.', 'Yes']);
    }
  });

  it('leaves tags that come later as ordinary text', () => {
    expect(split(['Use <think> tags like <think>x</think>.'])).toMatchObject({
      content: 'Use <think> tags like <think>x</think>.',
      reasoning: '',
    });
    expect(split(['<think>a</think>b</think>c'])).toMatchObject({ reasoning: 'a', content: 'b</think>c' });
  });

  it('keeps text that only looks like the start of a tag', () => {
    expect(split(['a <', 'b'])).toMatchObject({ content: 'a <b', reasoning: '' });
    expect(split(['<th'])).toMatchObject({ content: '<th', reasoning: '' });
    expect(split(['x </thi'])).toMatchObject({ content: 'x </thi' });
    expect(split(['  '])).toMatchObject({ content: '  ' });
  });

  it('keeps an unclosed think block as reasoning', () => {
    expect(split(['<think>still go', 'ing'])).toMatchObject({ reasoning: 'still going', content: '' });
  });
});

describe('extractTextToolCalls', () => {
  const tools = ['read_file', 'run'];

  it('takes <tool_call> blocks out of the text, any number, fenced or not', () => {
    const text =
      'Reading both.\n<tool_call>\n{"name": "read_file", "arguments": {"path": "a"}}\n</tool_call>\n' +
      '<tool_call>```json\n{"name": "run", "parameters": {"command": "ls"}}\n```</tool_call>';
    expect(extractTextToolCalls(text, tools)).toEqual({
      content: 'Reading both.',
      calls: [
        { name: 'read_file', arguments: '{"path":"a"}' },
        { name: 'run', arguments: '{"command":"ls"}' },
      ],
    });
  });

  it('forgives a missing closing tag and keeps string arguments as they are', () => {
    expect(
      extractTextToolCalls('<tool_call>{"name": "run", "arguments": "{\\"command\\": \\"ls\\"}"}', tools),
    ).toEqual({
      content: '',
      calls: [{ name: 'run', arguments: '{"command": "ls"}' }],
    });
  });

  it('leaves a broken block in the content', () => {
    expect(extractTextToolCalls('<tool_call>{"name": "run", </tool_call>', tools)).toBeUndefined();
  });

  it('reads a bare JSON call or list of calls only when they name offered tools', () => {
    expect(extractTextToolCalls('{"name": "run", "arguments": {}}', tools)?.calls).toEqual([
      { name: 'run', arguments: '{}' },
    ]);
    expect(extractTextToolCalls('```\n[{"name": "run", "arguments": {"a": 1}}]\n```', tools)?.calls).toEqual([
      { name: 'run', arguments: '{"a":1}' },
    ]);
    expect(extractTextToolCalls('{"name": "package", "version": "1.0.0"}', tools)).toBeUndefined();
    expect(extractTextToolCalls('{"name": "other", "arguments": {}}', tools)).toBeUndefined();
    expect(extractTextToolCalls('Here: {"name": "run", "arguments": {}}', tools)).toBeUndefined();
  });
});

describe('ToolCallAssembler', () => {
  it('joins argument fragments by index', () => {
    const a = new ToolCallAssembler();
    a.add([{ index: 0, id: 'c0', type: 'function', function: { name: 'run', arguments: '' } }]);
    a.add([{ index: 1, id: 'c1', function: { name: 'read_file', arguments: '{"pa' } }]);
    a.add([{ index: 0, function: { arguments: '{"command":' } }]);
    a.add([
      { index: 0, function: { arguments: '"ls"}' } },
      { index: 1, function: { arguments: 'th":"x"}' } },
    ]);
    expect(a.result()).toEqual([
      { id: 'c0', name: 'run', arguments: '{"command":"ls"}' },
      { id: 'c1', name: 'read_file', arguments: '{"path":"x"}' },
    ]);
  });

  it('tells whole calls without an index apart, and fills in missing ids and arguments', () => {
    const a = new ToolCallAssembler();
    a.add([{ function: { name: 'run', arguments: { command: 'ls' } } }]);
    a.add([{ id: 'x', function: { name: 'read_file' } }]);
    expect(a.result()).toEqual([
      { id: 'call_0', name: 'run', arguments: '{"command":"ls"}' },
      { id: 'x', name: 'read_file', arguments: '{}' },
    ]);
  });
});

describe('parseSse', () => {
  async function parse(chunks: string[]): Promise<SseItem[]> {
    async function* bytes() {
      for (const c of chunks) yield new TextEncoder().encode(c);
    }
    const items: SseItem[] = [];
    for await (const item of parseSse(bytes())) items.push(item);
    return items;
  }

  it('reads events split anywhere, CRLF or LF, with comments and multi-line data', async () => {
    const text =
      ': keepalive 1/9\r\n\r\ndata: {"a":1}\r\n\r\nevent: x\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n';
    const expected = [
      { type: 'comment', text: 'keepalive 1/9' },
      { type: 'data', data: '{"a":1}' },
      { type: 'data', data: 'line1\nline2' },
      { type: 'data', data: '[DONE]' },
    ];
    for (let i = 0; i <= text.length; i++)
      expect(await parse([text.slice(0, i), text.slice(i)])).toEqual(expected);
  });

  it('keeps a last event that lacks its blank line, and flags lines that are not SSE', async () => {
    expect(await parse(['data: {"b":2}'])).toEqual([{ type: 'data', data: '{"b":2}' }]);
    expect(await parse(['<!DOCTYPE html>\n'])).toEqual([{ type: 'other', line: '<!DOCTYPE html>' }]);
  });
});
