import { describe, expect, it } from 'vitest';
import { applyReplace } from '../../src/agent/edits/replace.js';

const ok = (original: string, search: string, replace: string): string => {
  const r = applyReplace(original, search, replace);
  if (!r.ok) throw new Error(`expected a match: ${r.message}`);
  return r.content;
};

describe('applyReplace', () => {
  const file = [
    'function add(a, b) {',
    '  return a + b;',
    '}',
    '',
    'function sub(a, b) {',
    '  return a - b;',
    '}',
    '',
  ].join('\n');

  it('replaces whole lines that match exactly, once', () => {
    const r = applyReplace(file, '  return a - b;\n', '  return a - b - 0;\n');
    expect(r).toMatchObject({ ok: true, line: 6 });
    expect(r.ok && r.content).toBe(file.replace('a - b;', 'a - b - 0;'));
  });

  it('replaces a fragment inside a line, but never half a word', () => {
    expect(ok('const total = price * qty;\n', 'price * qty', 'price * qty * 2')).toBe(
      'const total = price * qty * 2;\n',
    );
    // "a = 1" appears only inside "data = 1": no match rather than a broken word.
    const r = applyReplace('data = 1\n', 'a = 1', 'a = 2');
    expect(r.ok).toBe(false);
  });

  it('tolerates a uniform indentation offset and re-indents the replacement', () => {
    const cls = 'class A {\n  run() {\n    if (x) {\n      go();\n    }\n  }\n}\n';
    // The model quoted the block with no indentation...
    const out = ok(cls, 'if (x) {\n  go();\n}\n', 'if (x && y) {\n  go();\n  log();\n}\n');
    expect(out).toBe('class A {\n  run() {\n    if (x && y) {\n      go();\n      log();\n    }\n  }\n}\n');
    // ...or with too much.
    const out2 = ok(cls, '        go();\n', '        stop();\n');
    expect(out2).toBe(cls.replace('go();', 'stop();'));
  });

  it('tolerates tabs as the offset and trailing spaces in the file', () => {
    const src = 'func main() {\n\tif ok {   \n\t\trun()\n\t}\n}\n';
    expect(ok(src, 'if ok {\n\trun()\n}\n', 'if ok {\n\trun(1)\n}\n')).toBe(
      'func main() {\n\tif ok {\n\t\trun(1)\n\t}\n}\n',
    );
  });

  it('refuses an uneven indentation change', () => {
    const src = 'a:\n  b: 1\n  c: 2\n';
    const r = applyReplace(src, 'a:\n    b: 1\n  c: 2\n', 'x\n');
    expect(r.ok).toBe(false);
  });

  it('drops a stray leading blank line in SEARCH (and its twin in REPLACE)', () => {
    expect(ok(file, '\nfunction sub(a, b) {\n', '\nfunction minus(a, b) {\n')).toBe(
      file.replace('sub', 'minus'),
    );
    expect(ok('x = 1\ny = 2\n', '\n\ny = 2\n\n', 'y = 3\n')).toBe('x = 1\ny = 3\n');
  });

  it('keeps CRLF line endings of the file, for line and fragment matches', () => {
    const crlf = 'one\r\ntwo\r\nthree\r\n';
    expect(ok(crlf, 'two\n', 'TWO\nTWO-B\n')).toBe('one\r\nTWO\r\nTWO-B\r\nthree\r\n');
    expect(ok('a = f(1,\r\n  2);\r\n', 'f(1,\n  2)', 'g(1,\n  2)')).toBe('a = g(1,\r\n  2);\r\n');
    expect(ok(crlf, 'two\r\n', 'deux\r\n')).toBe('one\r\ndeux\r\nthree\r\n');
    // A mixed file: untouched lines keep their own ending.
    expect(ok('a\r\nb\nc\r\n', 'c\n', 'C\n')).toBe('a\r\nb\nC\r\n');
  });

  it('keeps a missing final newline', () => {
    expect(ok('a\nb', 'b\n', 'B\n')).toBe('a\nB');
    expect(ok('a\nb', 'a\nb', 'x\ny')).toBe('x\ny');
  });

  it('deletes lines when REPLACE is empty', () => {
    expect(ok('a\nb\nc\n', 'b\n', '')).toBe('a\nc\n');
  });

  it('reports no match with the closest lines of the file', () => {
    const r = applyReplace(file, 'function sub(a, b) {\n  return a + b;\n}\n', 'x\n');
    expect(r).toMatchObject({ ok: false, reason: 'none' });
    if (r.ok) return;
    expect(r.closest).toBe('function sub(a, b) {\n  return a - b;\n}');
    expect(r.message).toMatch(/does not match/);
    expect(r.message).toMatch(/lines 5-7/);
    expect(r.message).toContain('  return a - b;');
  });

  it('says so when nothing in the file is similar', () => {
    const r = applyReplace(file, 'zzzz qqqq\n', 'x\n');
    expect(r).toMatchObject({ ok: false, reason: 'none', closest: undefined });
    expect(!r.ok && r.message).toMatch(/Nothing in the file looks like it/);
  });

  it('notices when the REPLACE text is already there', () => {
    const r = applyReplace('a\nnew line\n', 'old line\n', 'new line\n');
    expect(!r.ok && r.message).toMatch(/already in the file/);
  });

  it('reports several matches with their lines instead of guessing', () => {
    const r = applyReplace(file, '}\n', '};\n');
    expect(r).toMatchObject({ ok: false, reason: 'many' });
    expect(!r.ok && r.message).toMatch(/matches 2 places in the file \(lines 3, 7\)/);
    const frag = applyReplace('x(1); x(1);\n', 'x(1)', 'y');
    expect(frag).toMatchObject({ ok: false, reason: 'many' });
    const indented = applyReplace('a\n  go()\nb\n    go()\n', 'go()\n', 'stop()\n');
    expect(indented).toMatchObject({ ok: false, reason: 'many' });
  });

  it('fills an empty file from an empty SEARCH, and refuses an empty SEARCH on a non-empty file', () => {
    expect(ok('', '', 'new\n')).toBe('new\n');
    expect(ok('\n', '\n', 'new\n')).toBe('new\n');
    const r = applyReplace('content\n', '', 'new\n');
    expect(r).toMatchObject({ ok: false, reason: 'none' });
    expect(!r.ok && r.message).toMatch(/SEARCH text is empty/);
  });

  // A quadratic fuzzy search would take minutes here: the test's own time limit catches it. How
  // fast it is belongs to the bench, not to an assertion on a shared machine's clock.
  it('gives up on a near-miss SEARCH in a large file without hanging', { timeout: 60_000 }, () => {
    const big = Array.from({ length: 20_000 }, (_, i) => `line ${i} of a large file with some text`).join(
      '\n',
    );
    const search = Array.from({ length: 30 }, (_, i) => `line ${i} of a large file with some txet`).join(
      '\n',
    );
    const r = applyReplace(big, search, 'x');
    expect(r.ok).toBe(false);
  });
});
