import { describe, expect, it } from 'vitest';
import { visible } from '../../src/visible.js';

describe('trust: control characters from a model or a check are shown, not obeyed', () => {
  it('makes screen clear, OSC 0 title and OSC 52 clipboard writes visible', () => {
    const hostile = '\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07done';
    const out = visible(hostile);
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(out).not.toMatch(/[\x00-\x1f\x7f]/);
    expect(out).toBe('␛[2J␛[H␛]0;pwned␇␛]52;c;ZXZpbA==␇done');
  });
  it('shows C1 controls and bidi overrides as code points', () => {
    expect(visible('a\u009b31mb\u202ec')).toBe('a\\u{9b}31mb\\u{202e}c');
  });
  it('keeps newlines and tabs only in multi-line mode', () => {
    expect(visible('a\nb\tc\r\n')).toBe('a␊b␉c␍␊');
    expect(visible('a\nb\tc\r\nd\re', { multiline: true })).toBe('a\nb\tc\nd␍e');
  });
  it('leaves ordinary text, including non-ASCII, as it is', () => {
    expect(visible('héllo — 世界 ✓')).toBe('héllo — 世界 ✓');
  });
});
