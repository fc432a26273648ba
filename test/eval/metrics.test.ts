import { describe, expect, it } from 'vitest';
import { figuresFromEvents, median } from '../../src/eval/metrics.js';

const reply = (timing: object | undefined, usage: object) => ({
  type: 'reply',
  usage,
  ...(timing ? { timing } : {}),
});

describe('figuresFromEvents', () => {
  it('sums model time, tokens and check time over the requests; the rest of the wall time is overhead', () => {
    const f = figuresFromEvents(
      [
        { type: 'status', status: 'running' },
        reply(
          { queuedMs: 5, firstTokenMs: 300, generationMs: 1000 },
          { promptTokens: 100, completionTokens: 50, cachedTokens: 0 },
        ),
        { type: 'check', durationMs: 400 },
        reply(
          { queuedMs: 0, firstTokenMs: 200, generationMs: 1000 },
          { promptTokens: 80, completionTokens: 30, cachedTokens: 64 },
        ),
        { type: 'check', durationMs: 600 },
      ],
      5000,
    );
    expect(f).toEqual({
      wallMs: 5000,
      modelMs: 2500,
      firstTokenMs: 500,
      generationMs: 2000,
      queuedMs: 5,
      requests: 2,
      promptTokens: 180,
      completionTokens: 80,
      cachedTokens: 64,
      tokensPerSecond: 40,
      checkMs: 1000,
      overheadMs: 1500,
    });
  });

  it('a server that reports no cache and replies without timing give null, never a made-up figure', () => {
    const f = figuresFromEvents(
      [reply(undefined, { promptTokens: 10, completionTokens: 5, cachedTokens: 0 })],
      100,
    );
    expect(f).toMatchObject({
      modelMs: 0,
      cachedTokens: null,
      tokensPerSecond: null,
      overheadMs: 100,
      requests: 1,
    });
  });
});

describe('median', () => {
  it('is the middle value, the mean of the two middle ones for an even count, null for none', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});
