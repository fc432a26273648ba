import { describe, expect, it } from 'vitest';
import { excerpt, fenceFor, keepEnds, keepHead, keepTail, stripAnsi } from '../../src/agent/context/text.js';
import { trimDiff } from '../../src/agent/context/diff.js';
import { findMentions, PathIndex } from '../../src/agent/context/files.js';

const lines = (n: number, p = 'line') => Array.from({ length: n }, (_, i) => `${p} ${i + 1}`).join('\n');

describe('keepHead / keepTail', () => {
  it('keep whole lines within the limit and say how much was cut', () => {
    const text = lines(100);
    const h = keepHead(text, 200);
    expect(h.length).toBeLessThanOrEqual(200);
    expect(h).toMatch(/^line 1\nline 2\n/);
    expect(h).toMatch(/\n… \(\d+ more lines cut\)$/);
    const t = keepTail(text, 200);
    expect(t.length).toBeLessThanOrEqual(200);
    expect(t).toMatch(/^… \(\d+ earlier lines cut\)\n/);
    expect(t).toMatch(/\nline 100$/);
    expect(keepHead(text, 10_000)).toBe(text);
    expect(keepHead(text, 20)).toBe('');
  });
});

describe('fences and colour codes', () => {
  it('picks a fence longer than any inside the content', () => {
    expect(fenceFor('plain')).toBe('```');
    expect(fenceFor('a\n```js\nb\n```')).toBe('````');
  });
  it('strips ANSI codes and carriage returns', () => {
    expect(stripAnsi('\u001b[1m\u001b[31mred\u001b[0m\r\nnext\rover')).toBe('red\nnext\nover');
  });
});

describe('excerpt', () => {
  it('is the whole text when it fits', () => {
    expect(excerpt('a\nb', [1], 100)).toEqual({ body: 'a\nb', note: '' });
  });

  it('shows windows around the referenced lines, narrowing them to fit', () => {
    const text = lines(1000);
    const ex = excerpt(text, [500, 510, 900], 2000);
    expect(ex.note).toBe('lines 480-530, 880-920 of 1000');
    expect(ex.body).toContain('… (lines 1-479 not shown)\nline 480\n');
    expect(ex.body).toContain('line 530\n… (lines 531-879 not shown)\nline 880');
    expect(ex.body).toMatch(/line 920\n… \(lines 921-1000 not shown\)$/);
    const narrow = excerpt(text, [500], 200);
    expect(narrow.note).toBe('lines 496-504 of 1000');
  });

  it('falls back to the head when no line is known or lines are out of range', () => {
    const ex = excerpt(lines(1000), [5000], 300);
    expect(ex.body).toMatch(/^line 1\n/);
    expect(ex.note).toMatch(/^lines 1-\d+ of 1000$/);
  });
});

describe('trimDiff', () => {
  const file = (name: string, n: number) =>
    `diff --git a/${name} b/${name}\n--- a/${name}\n+++ b/${name}\n@@ -1 +1 @@\n${lines(n, '+x')}\n`;

  it('leaves a diff that fits alone', () => {
    const d = file('a.ts', 3);
    expect(trimDiff(d, 1000)).toBe(d);
  });

  it('keeps small files whole and shares the rest among the big ones', () => {
    const d = file('big.json', 5000) + file('small.ts', 3) + file('mid.ts', 400);
    const t = trimDiff(d, 3000);
    expect(t.length).toBeLessThanOrEqual(3000);
    expect(t).toContain(file('small.ts', 3).trimEnd());
    expect(t).toContain('diff --git a/big.json');
    expect(t).toContain('diff --git a/mid.ts');
    expect(t.indexOf('big.json')).toBeLessThan(t.indexOf('small.ts'));
  });

  it('lists the files it had to drop', () => {
    const d = Array.from({ length: 40 }, (_, i) => file(`f${i}.ts`, 50)).join('');
    const t = trimDiff(d, 600);
    expect(t.length).toBeLessThanOrEqual(600);
    expect(t).toMatch(/… \(diff cut; files: .*f39\.ts/);
  });
});

describe('PathIndex and findMentions', () => {
  const root = '/work/wt';
  const index = new PathIndex(
    [
      'src/a.ts',
      'src/lib/index.ts',
      'test/a.test.ts',
      'x/index.ts',
      'y/index.ts',
      'z/index.ts',
      'w/index.ts',
      'README.md',
    ],
    root,
  );

  it('resolves exact, root-relative, absolute, suffix and basename references', () => {
    expect(index.resolve('src/a.ts')).toEqual(['src/a.ts']);
    expect(index.resolve('./src/a.ts')).toEqual(['src/a.ts']);
    expect(index.resolve('/work/wt/src/a.ts')).toEqual(['src/a.ts']);
    expect(index.resolve('/elsewhere/checkout/src/lib/index.ts')).toEqual(['src/lib/index.ts']);
    expect(index.resolve('lib/index.ts')).toEqual(['src/lib/index.ts']);
    expect(index.resolve('a.test.ts')).toEqual(['test/a.test.ts']);
    expect(index.resolve('index.ts')).toEqual([]);
    expect(index.resolve('nothing.ts')).toEqual([]);
  });

  it('finds mentions with line numbers, marking failure lines', () => {
    const out = [
      ' ✓ test/other.test.ts (3 tests)',
      ' RUN README.md',
      'FAIL test/a.test.ts > adds',
      'Error: boom',
      '  at add (/work/wt/src/a.ts:12:5)',
      '  File "/work/wt/src/lib/index.ts", line 7, in main',
      'see src/a.ts:30.',
    ].join('\n');
    const found = findMentions(out, index);
    expect(found).toEqual([
      { path: 'README.md', lines: [], strong: false },
      { path: 'test/a.test.ts', lines: [], strong: true },
      { path: 'src/a.ts', lines: [12, 30], strong: true },
      { path: 'src/lib/index.ts', lines: [7], strong: true },
    ]);
  });
});

describe('keepEnds', () => {
  it('keeps a third for the start and the rest for the end', () => {
    const t = keepEnds(lines(1000), 600);
    expect(t.length).toBeLessThanOrEqual(600);
    expect(t).toMatch(/^line 1\nline 2\n/);
    expect(t).toMatch(/\nline 1000$/);
    const [start, end] = t.split(/\n… \(\d+ lines cut\)\n/);
    expect(start!.length).toBeLessThan(end!.length);
    expect(keepEnds('short', 600)).toBe('short');
  });
});
