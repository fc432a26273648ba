/**
 * The pieces that decide what a messy edit meant: the placeholder detector, the one-function or
 * one-section replacement, tabs versus spaces, tool calls written as text, and bare file names.
 * The corpus (edits-corpus.test.ts) covers whole replies; these pin the edges.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findElision, isPlaceholder } from '../../src/agent/edits/elision.js';
import { parseReply } from '../../src/agent/edits/parse.js';
import { applyReplace } from '../../src/agent/edits/replace.js';
import { replaceSection } from '../../src/agent/edits/section.js';
import { wholeFile } from '../../src/agent/edits/whole-file.js';
import { createFileTools } from '../../src/agent/tools/index.js';
import { cleanupTemps, makeRepo } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

describe('placeholders for elided code', () => {
  it.each([
    '# ... rest of the method unchanged ...',
    '# ... keep existing code',
    '// ... other handlers ...',
    '# ... existing fields ...',
    '// (rest of methods ...)',
    '/* ... */',
    '{/* ... */}',
    '<!-- ... -->',
    '// ...',
    '...',
    '…',
    '# imports unchanged',
    '// the other functions remain the same',
    '# Rest of the class stays as is',
    '// existing code here',
    '# code omitted for brevity',
    '[rest of file unchanged]',
  ])('sees %s', (line) => {
    expect(isPlaceholder(line, 'a.js')).toBe(true);
  });

  it.each([
    ['# Loading...', 'a.py'],
    ['// wait for the server to start...', 'a.js'],
    ['# Usage', 'README.md'],
    ['...', 'stub.py'],
    ['const rest = items.slice(1); // the rest', 'a.js'],
    ['return { ...state, done: true };', 'a.js'],
    ['// Other handlers', 'a.js'],
    ['# the rest is sorted by name', 'a.py'],
    ['# keep the existing order of the keys', 'a.py'],
    ['// existing tests still use the old API, so both stay', 'a.js'],
    ['# the rest of the list is sorted', 'a.py'],
  ])('does not take %s for one', (line, file) => {
    expect(isPlaceholder(line, file)).toBe(false);
  });

  it('ignores a placeholder-like line that the starting text already has', () => {
    expect(findElision('x = 1\n# ... existing code\n', 'y\n# ... existing code\n', 'a.py')).toBeUndefined();
    expect(findElision('x = 1\n  # ... existing code\n', 'y\n', 'a.py')).toBe('# ... existing code');
  });

  it('applies to tool calls too: write_file and replace_in_file refuse elided code', async () => {
    const root = await makeRepo({ 'a.py': 'def f():\n    a = 1\n    b = 2\n    return a + b\n' });
    const tools = createFileTools(root);
    const w = await tools.call('write_file', {
      path: 'a.py',
      content: 'def f():\n    # ... rest unchanged\n',
    });
    expect(w.ok).toBe(false);
    expect(w.output).toMatch(/leaves code out \("# \.\.\. rest unchanged"/);
    const r = await tools.call('replace_in_file', {
      path: 'a.py',
      search: '    a = 1\n    b = 2\n',
      replace: '    a = 2\n    # ... existing code ...\n',
    });
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/REPLACE line "# \.\.\. existing code \.\.\." looks like a placeholder/);
    expect(await readFile(path.join(root, 'a.py'), 'utf8')).toBe(
      'def f():\n    a = 1\n    b = 2\n    return a + b\n',
    );
  });
});

describe('a snippet sent as a whole file', () => {
  const js = [
    'const RE = /[{}]/g; // braces in a regex',
    '',
    'export function a(x) {',
    "  const s = '}';",
    '  return x.replace(RE, s) /* } */;',
    '}',
    '',
    'export const b = (y) => {',
    '  return y * 2;',
    '};',
    '',
    'function c() {',
    '  return `${a(1)}`;',
    '}',
    '',
  ].join('\n');

  it('replaces the one function it is, past braces in strings, comments and regexes', () => {
    expect(replaceSection(js, 'export function a(x) {\n  return x;\n}\n', 'src/x.js')).toBe(
      js.replace("  const s = '}';\n  return x.replace(RE, s) /* } */;\n", '  return x;\n'),
    );
    expect(replaceSection(js, 'export const b = (y) => {\n  return y * 3;\n};\n', 'src/x.js')).toBe(
      js.replace('y * 2', 'y * 3'),
    );
  });

  it('gives up where the place is in doubt', () => {
    // A template literal with ${ } is not followed; a name defined twice; two definitions sent.
    expect(replaceSection(js, 'function c() {\n  return 1;\n}\n', 'src/x.js')).toBeUndefined();
    const twice = 'function a() {\n  return 1;\n}\nfunction a() {\n  return 2;\n}\n';
    expect(replaceSection(twice, 'function a() {\n  return 3;\n}\n', 'x.js')).toBeUndefined();
    expect(replaceSection(js, 'function a(x) {\n}\nfunction d() {\n}\n', 'x.js')).toBeUndefined();
    expect(replaceSection(js, 'export function a(x) {\n  return x;\n', 'x.js')).toBeUndefined();
    expect(replaceSection('# T\n\n## A\n\nx\n', '## B\n\ny\n', 'README.md')).toBeUndefined();
    expect(replaceSection('def f():\n    pass\n', 'def f():\n    return 1\n', 'notes.txt')).toBeUndefined();
  });

  it('refuses a far shorter block it cannot place, and writes a full one', () => {
    const file = Array.from({ length: 12 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const short = wholeFile('notes.txt', file, 'line 3 changed\n', {});
    expect(short.ok).toBe(false);
    expect(!short.ok && short.message).toMatch(/has 1 lines but the file has 12[\s\S]*<<<<<<< SEARCH/);
    expect(wholeFile('notes.txt', file, file.replace('line 3', 'line three'), {})).toEqual({
      ok: true,
      content: file.replace('line 3', 'line three'),
    });
    // A tool call's content is the file by definition.
    expect(wholeFile('notes.txt', file, 'line 3\n').ok).toBe(true);
  });

  it('writes the short resolution of a file in conflict whole: the markers and both sides made it long', () => {
    const conflicted = '<<<<<<< HEAD\n41\nchecked by main\n=======\n42\n>>>>>>> factory/1\n';
    expect(wholeFile('answer.txt', conflicted, '42\nchecked by main\n', {})).toEqual({
      ok: true,
      content: '42\nchecked by main\n',
    });
    // A line that only looks like a marker (no space after it) does not make a file "in conflict".
    const file = `<<<<<<<<\n${Array.from({ length: 12 }, (_, i) => `line ${i}`).join('\n')}\n`;
    expect(wholeFile('notes.txt', file, 'line 3\n', {}).ok).toBe(false);
  });
});

describe('tabs versus spaces', () => {
  it('shows how the closest text differs when SEARCH still misses', () => {
    const r = applyReplace('if (a) {\n\treturn 1;\n}\n', 'if (a) {\n  return 2;\n}\n', 'x\n');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(
      /line 2: the file indents with a tab where your SEARCH has 2 spaces\n- line 2: the file has `return 1;` where your SEARCH has `return 2;`/,
    );
  });

  it('keeps blank lines and the depth of added lines, with tab width 2 as well', () => {
    const r = applyReplace('a {\n\tb;\n\n\tc;\n}\n', '  b;\n\n  c;\n', '  b;\n\n  if (x) {\n    c;\n  }\n');
    expect(r).toMatchObject({ ok: true, content: 'a {\n\tb;\n\n\tif (x) {\n\t\tc;\n\t}\n}\n' });
  });
});

describe('tool calls written as text', () => {
  it('does not take JSON data for a call', () => {
    const r = parseReply('package.json\n```json\n{"name": "demo", "version": "1.0.0"}\n```\n', {
      mode: 'repo',
    });
    expect(r.edits).toEqual([
      {
        kind: 'write',
        path: 'package.json',
        content: '{"name": "demo", "version": "1.0.0"}\n',
        fromText: {},
      },
    ]);
  });

  it('reports a malformed edit call with the text format', () => {
    const r = parseReply('<tool_call>{"name": "write_file", "arguments": {"path": "a.txt"}}</tool_call>', {
      mode: 'repo',
    });
    expect(r.edits).toEqual([]);
    expect(r.problems[0]).toMatch(/write_file needs the argument "content"[\s\S]*<<<<<<< SEARCH/);
  });
});

describe('bare file names', () => {
  it('resolves a replace_in_file tool call by its bare name too', async () => {
    const root = await makeRepo({ 'src/deep/util.js': 'const a = 1;\n' });
    const r = await createFileTools(root).call('replace_in_file', {
      path: 'util.js',
      search: 'const a = 1;',
      replace: 'const a = 2;',
    });
    expect(r).toMatchObject({ ok: true, changed: ['src/deep/util.js'] });
  });

  it('refuses a text block under a bare name unlike the one file of that name, naming both ways', async () => {
    const root = await makeRepo({ 'src/config.js': 'export const port = 8000;\nexport const host = "x";\n' });
    const [op] = parseReply('config.js\n```js\nmodule.exports = { debug: true };\n```\n', {
      mode: 'repo',
    }).edits;
    const r = await createFileTools(root).apply(op!);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/but there is src\/config\.js[\s\S]*write \.\/config\.js/);
    const created = await createFileTools(root).apply({
      kind: 'write',
      path: './config.js',
      content: 'x\n',
      fromText: {},
    });
    expect(created).toMatchObject({ ok: true, changed: ['config.js'] });
  });
});

describe('tool calls of unlisted tools, and paths quoted in prose', () => {
  it('answers a bare JSON call of a tool nobody listed', () => {
    const r = parseReply('{"name": "run_tests", "arguments": {"pattern": "pager"}}', { mode: 'repo' });
    expect(r.edits).toEqual([]);
    expect(r.problems[0]).toMatch(/calls run_tests as text[\s\S]*<<<<<<< SEARCH/);
  });

  it('takes a path in its own fence only for the block right after it', () => {
    const r = parseReply('Edit this file:\n```\nsrc/a.ts\n```\nThen run:\n```bash\nnpm test\n```\n', {
      mode: 'repo',
    });
    expect(r.edits).toEqual([]);
  });
});

describe('a path on the first line inside the fence', () => {
  it('is not taken from a list of paths', () => {
    expect(
      parseReply('Ignore these:\n```\ndist/bundle.js\nbuild/out.js\n```\n', { mode: 'repo' }).edits,
    ).toEqual([]);
    expect(parseReply('```python\nsrc/list.txt\nprint(1)\n```\n', { mode: 'repo' }).edits).toEqual([]);
  });

  it('is kept as content when the file starts with it', async () => {
    const root = await makeRepo({ 'src/a.js': '// src/a.js\nexport const a = 1;\n' });
    const [op] = parseReply('```js\n// src/a.js\nexport const a = 2;\n```\n', { mode: 'repo' }).edits;
    expect(await createFileTools(root).apply(op!)).toMatchObject({ ok: true, changed: ['src/a.js'] });
    expect(await readFile(path.join(root, 'src/a.js'), 'utf8')).toBe('// src/a.js\nexport const a = 2;\n');
  });
});
