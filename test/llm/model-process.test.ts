import { describe, expect, it } from 'vitest';
import { RestartPolicy } from '../../src/llm/model-process.js';
import { meaningfulLines } from '../../src/llm/log-tail.js';
import { sniffUsage } from '../../src/llm/front-usage.js';

describe('restarting a model server that died', () => {
  it('backs off, doubling, and stops after the limit within the window', () => {
    const p = new RestartPolicy(3, 60_000, 500, 10_000);
    expect(p.next(0)).toEqual({ delayMs: 500, attempt: 1 });
    expect(p.next(1000)).toEqual({ delayMs: 1000, attempt: 2 });
    expect(p.next(2000)).toEqual({ delayMs: 2000, attempt: 3 });
    expect(p.next(3000)).toBeNull();
    // Once the first restart is older than the window, one more is allowed.
    expect(p.next(60_001)).toEqual({ delayMs: 2000, attempt: 3 });
  });
});

describe("a server log's meaningful last lines", () => {
  it('picks the lines that say what failed, else the last lines', () => {
    const log = [
      'loading',
      'error: no such model',
      'ready?',
      'Traceback (most recent call last):',
      '  x',
      'OSError: cannot open',
    ];
    expect(meaningfulLines(log.join('\n'), 2)).toEqual([
      'Traceback (most recent call last):',
      'OSError: cannot open',
    ]);
    expect(meaningfulLines('a\nb\n\nc\n', 2)).toEqual(['b', 'c']);
    expect(meaningfulLines(`error ${'x'.repeat(500)}`)[0]!.length).toBe(240);
  });
});

describe('sniffing a proxied stream', () => {
  it('finds an error event split across chunks, but not the same words inside an answer', () => {
    const s = sniffUsage();
    s.push(Buffer.from('data: {"choices":[{"delta":{"content":"data: {\\"error\\": no"}}]}\n\nda'));
    expect(s.sawError()).toBe(false);
    s.push(Buffer.from('ta: {"err'));
    s.push(Buffer.from('or":{"code":500,"message":"boom"}}\n\n'));
    expect(s.sawError()).toBe(true);
    const clean = sniffUsage();
    clean.push(
      Buffer.from(
        'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}\n\ndata: [DONE]\n\n',
      ),
    );
    expect(clean.sawError()).toBe(false);
    expect(clean.usage()).toEqual({ promptTokens: 3, completionTokens: 4 });
  });
});
