import { describe, expect, it } from 'vitest';
import { firstLine, shortLineOf, transcriptLines } from '../../src/tasks/transcript.js';
import type { TaskEvent } from '../../src/tasks/record.js';

const ev = (type: string, data: Record<string, unknown> = {}): TaskEvent => ({ t: '', type, ...data });

describe('the short transcript', () => {
  it('leaves out prompts and tools that changed nothing', () => {
    expect(shortLineOf(ev('prompt', { attempt: 1, role: 'coder', messages: [] }))).toBe(null);
    expect(
      shortLineOf(ev('edit', { attempt: 1, step: 0, tool: 'read_file', paths: [], ok: true, commit: null })),
    ).toBe(null);
    expect(shortLineOf(ev('sandbox', { kind: 'bwrap' }))).toBe(null);
  });

  it('keeps every line on one line, control characters shown, long text shortened', () => {
    const long = 'word '.repeat(60);
    const line = shortLineOf(
      ev('reply', {
        attempt: 2,
        role: 'coder',
        content: `\n\n${long}\nnext`,
        finishReason: 'length',
        toolCalls: [],
      }),
    )!;
    expect(line.startsWith('[2] coder replied (finish length): word word')).toBe(true);
    expect(line.endsWith('…')).toBe(true);
    expect(line).not.toContain('\n');
    expect(firstLine('\x1b]0;title\x07 after')).toBe('␛]0;title␇ after');
    expect(shortLineOf(ev('feedback', { text: 'one\ntwo' }))).toBe('feedback from you: one');
    expect(
      shortLineOf(
        ev('edit', {
          attempt: 1,
          step: 1,
          tool: 'edit_file',
          paths: ['a.ts'],
          ok: false,
          output: 'no match\nat all',
        }),
      ),
    ).toBe('[1] refused edit_file a.ts: no match');
    expect(
      shortLineOf(ev('check', { attempt: 3, command: 'x', exitCode: null, timedOut: true, durationMs: 5 })),
    ).toBe('[3] check: timed out in 5 ms');
  });

  it('names tool calls by their path, or their name alone when the arguments are not JSON', () => {
    const line = shortLineOf(
      ev('reply', {
        attempt: 1,
        role: 'coder',
        content: 'ignored when there are calls',
        finishReason: 'tool_calls',
        toolCalls: [
          { name: 'write_file', arguments: '{"path":"a.ts","content":"x"}' },
          { name: 'run_command', arguments: '{"command":"npm test"}' },
          { name: 'odd', arguments: 'not json' },
        ],
      }),
    );
    expect(line).toBe(
      '[1] coder replied (finish tool_calls): tool calls write_file a.ts, run_command npm test, odd',
    );
  });

  it('the full transcript is the one `factory log` printed before', () => {
    const lines = transcriptLines([
      ev('status', { status: 'running' }),
      ev('prompt', { attempt: 1, role: 'coder', messages: [{ role: 'system', content: 'S\nT' }] }),
    ]);
    expect(lines).toEqual(['run started', '[1] prompt to the coder:\n  --- system\n  S\n  T']);
    expect(
      transcriptLines([ev('prompt', { attempt: 1, role: 'coder', messages: [] })], { short: true }),
    ).toEqual([]);
  });
});

describe('the visual check in the transcript', () => {
  const look: TaskEvent = {
    t: '2026-12-02T00:00:00.000Z',
    type: 'visual',
    attempt: 1,
    dir: '/r/.git/factory/tasks/1/visual/attempt-1',
    url: 'http://127.0.0.1:4000/',
    viewports: [
      { name: 'desktop', overflow: false, description: 'Four cards.' },
      { name: 'phone', overflow: true, description: null, describeError: 'refused\u001b[2J' },
    ],
    errors: ['[phone] uncaught error: boom'],
    durationMs: 900,
  };

  it('says what was seen, per viewport, and the errors; escape codes shown', () => {
    expect(shortLineOf(look)).toBe('[1] visual check: desktop, phone (overflows); 1 browser error');
    expect(transcriptLines([look])).toEqual([
      '[1] visual check: desktop, phone (overflows); 1 browser error\n  desktop: Four cards.\n  phone: (no description: refused␛[2J)\n  | [phone] uncaught error: boom\n  screenshots: /r/.git/factory/tasks/1/visual/attempt-1',
    ]);
    expect(shortLineOf({ ...look, error: 'the app did not answer' })).toBe(
      '[1] visual check could not look: the app did not answer',
    );
    expect(
      shortLineOf({ t: '', type: 'spec', attempt: 1, source: 'model', spec: '- desktop: one row\n- phone' }),
    ).toBe('[1] design spec (model): - desktop: one row');
  });
});
