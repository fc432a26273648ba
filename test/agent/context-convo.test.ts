import { describe, expect, it } from 'vitest';
import { fitConversation } from '../../src/agent/context/convo.js';
import type { TextMessage } from '../../src/llm/types.js';

const convo = (results: string[]): TextMessage[] => [
  { role: 'system', content: 'S'.repeat(400) },
  { role: 'user', content: 'U'.repeat(800) },
  ...results.flatMap((r, i): TextMessage[] => [
    {
      role: 'assistant',
      content: '',
      toolCalls: [{ id: `c${i}`, name: 'read_file', arguments: '{"path":"a"}' }],
    },
    { role: 'tool', toolCallId: `c${i}`, content: r },
  ]),
];
const chars = (ms: TextMessage[]) =>
  ms.reduce(
    (n, m) =>
      n + m.content.length + (m.toolCalls ?? []).reduce((k, c) => k + c.name.length + c.arguments.length, 0),
    0,
  );

describe('fitConversation', () => {
  it('leaves a conversation that fits as it is', () => {
    const c = convo(['short result']);
    expect(fitConversation(c, 1000)).toBe(c);
  });

  it('cuts the oldest tool results first, to their head, and never the prompt itself', () => {
    const line = (i: number) => `line ${i} of a long file\n`;
    const big = Array.from({ length: 400 }, (_, i) => line(i)).join('');
    const c = convo([big, big]);
    const fitted = fitConversation(c, 1500);
    expect(chars(fitted)).toBeLessThanOrEqual(1500 * 4);
    expect(fitted[0]).toBe(c[0]);
    expect(fitted[1]).toBe(c[1]);
    const [first, second] = [fitted[3]!.content, fitted[5]!.content];
    expect(first.startsWith('line 0 of a long file')).toBe(true);
    expect(first).toMatch(/… \(\d+ more lines cut\)$/);
    expect(first.length).toBeLessThan(second.length);
    // The conversation the loop keeps is untouched.
    expect(c[3]!.content).toBe(big);
  });
});
