import { describe, expect, it } from 'vitest';
import { estimateTokens, TokenBudget } from '../../src/agent/tokens.js';

describe('TokenBudget', () => {
  it('counts prompt and completion tokens as the server reports them', () => {
    const b = new TokenBudget(1000);
    expect(b.remaining).toBe(1000);
    b.add({ promptTokens: 600, completionTokens: 150 });
    expect(b.used).toBe(750);
    expect(b.remaining).toBe(250);
    expect(b.exhausted).toBe(false);
    b.add({ promptTokens: 200, completionTokens: 50 });
    expect(b.exhausted).toBe(true);
    expect(b.remaining).toBe(0);
    b.add({ promptTokens: 10, completionTokens: 0 });
    expect(b.used).toBe(1010);
    expect(b.remaining).toBe(0);
  });

  it('starts from earlier usage and ignores nonsense numbers', () => {
    const b = new TokenBudget(100, 40);
    b.add({ promptTokens: Number.NaN, completionTokens: -5 });
    expect(b.used).toBe(40);
    expect(b.total).toBe(100);
  });

  it('estimates about four characters per token', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcd')).toBe(1);
    expect(estimateTokens('abcde')).toBe(2);
  });
});
