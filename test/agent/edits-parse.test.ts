import { describe, expect, it } from 'vitest';
import { parseReply } from '../../src/agent/edits/parse.js';

const repo = (text: string) => parseReply(text, { mode: 'repo' });
const script = (text: string) => parseReply(text, { mode: 'script' });
const F = '```';

describe('whole-file blocks', () => {
  const styles: Array<[string, string]> = [
    ['bare path', 'src/pager.ts'],
    ['backticks', '`src/pager.ts`'],
    ['bold', '**src/pager.ts**'],
    ['bold backticks', '**`src/pager.ts`**'],
    ['heading', '### src/pager.ts'],
    ['heading backticks', '## `src/pager.ts`'],
    ['path colon', 'src/pager.ts:'],
    ['File: label', 'File: src/pager.ts'],
    ['bold label', '**File:** `src/pager.ts`'],
    ['list item', '- `src/pager.ts`'],
    ['sentence ending in a path', 'Here is the updated `src/pager.ts`:'],
  ];

  it.each(styles)('recognises the path line: %s', (_name, pathLine) => {
    const r = repo(`I fixed it.\n\n${pathLine}\n${F}ts\nexport const x = 1;\n${F}\n\nDone.`);
    expect(r.edits).toEqual([
      { kind: 'write', path: 'src/pager.ts', content: 'export const x = 1;\n', fromText: {} },
    ]);
    expect(r.problems).toEqual([]);
  });

  it('takes a path from the fence info string', () => {
    for (const info of ['ts src/a.ts', 'src/a.ts', 'typescript:src/a.ts', 'ts title="src/a.ts"']) {
      expect(repo(`${F}${info}\nx\n${F}`).edits).toEqual([
        { kind: 'write', path: 'src/a.ts', content: 'x\n', fromText: {} },
      ]);
    }
  });

  it('allows a blank line between the path and the fence, and extensionless well-known names', () => {
    expect(repo(`Makefile\n\n${F}make\nall:\n\techo hi\n${F}`).edits).toEqual([
      { kind: 'write', path: 'Makefile', content: 'all:\n\techo hi\n', fromText: {} },
    ]);
  });

  it('reads several blocks and keeps their order', () => {
    const r = repo(`a.py\n${F}python\nA = 1\n${F}\nthen\nb/c.py\n${F}\nB = 2\n${F}\n`);
    expect(r.edits.map((e) => e.path)).toEqual(['a.py', 'b/c.py']);
  });

  it('handles longer fences and nested fences inside the content', () => {
    const readme = '# Title\n```bash\nnpm i\n```\nmore\n';
    expect(repo(`README.md\n\`\`\`\`markdown\n${readme}\`\`\`\`\n`).edits).toEqual([
      { kind: 'write', path: 'README.md', content: readme, fromText: {} },
    ]);
    // Same fence length: a tagged inner opener is paired with its own closer.
    expect(repo(`README.md\n${F}markdown\n${readme}${F}\nafter\n`).edits).toEqual([
      { kind: 'write', path: 'README.md', content: readme, fromText: {} },
    ]);
    expect(repo(`notes.md\n~~~\n${F}\ncode\n${F}\n~~~\n`).edits).toEqual([
      { kind: 'write', path: 'notes.md', content: `${F}\ncode\n${F}\n`, fromText: {} },
    ]);
  });

  it('accepts CRLF replies and removes the indentation of an indented fence', () => {
    const r = repo('1. `a.js`\r\n   ```js\r\n   if (x) {\r\n     y();\r\n   }\r\n   ```\r\n');
    expect(r.edits).toEqual([
      { kind: 'write', path: 'a.js', content: 'if (x) {\n  y();\n}\n', fromText: {} },
    ]);
  });

  it('refuses an unclosed block (a block that leaves code out is refused when applied)', () => {
    const cut = repo(`src/a.ts\n${F}ts\nexport const x = 1;\n`);
    expect(cut.edits).toEqual([]);
    expect(cut.problems[0]).toMatch(/src\/a\.ts is not closed/);
  });

  it('ignores prose, inline code and code blocks without a path when other edits exist', () => {
    const r = repo(`Run this first:\n${F}bash\nnpm test\n${F}\nThe \`x\` var.\n\na.ts\n${F}\nok\n${F}`);
    expect(r.edits).toEqual([{ kind: 'write', path: 'a.ts', content: 'ok\n', fromText: {} }]);
    expect(r.problems).toEqual([]);
  });

  it('does not take a sentence or a heading word for a path', () => {
    expect(repo(`## Solution\n${F}ts\nconst a = 1;\n${F}`).edits).toEqual([]);
    expect(repo(`This is the fix.\n${F}ts\nconst a = 1;\n${F}`).edits).toEqual([]);
    expect(repo(`Version 1.2\n${F}\nx\n${F}`).edits).toEqual([]);
  });
});

describe('SEARCH/REPLACE blocks', () => {
  const block = (path: string, search: string, replace: string) =>
    `${path}\n<<<<<<< SEARCH\n${search}=======\n${replace}>>>>>>> REPLACE\n`;

  it('reads several blocks, for one file and for several', () => {
    const text =
      'Changes:\n\n' +
      block('src/a.ts', 'one\n', 'ONE\n') +
      '\nand\n\n' +
      block('src/a.ts', 'two\n', 'TWO\n') +
      block('src/b.ts', 'three\n', 'THREE\n');
    expect(repo(text).edits).toEqual([
      { kind: 'replace', path: 'src/a.ts', search: 'one\n', replace: 'ONE\n' },
      { kind: 'replace', path: 'src/a.ts', search: 'two\n', replace: 'TWO\n' },
      { kind: 'replace', path: 'src/b.ts', search: 'three\n', replace: 'THREE\n' },
    ]);
  });

  it('reads blocks wrapped in a fence, with the path before or inside it', () => {
    const before = `src/a.py\n${F}python\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n${F}\n`;
    const inside = `${F}python\nsrc/a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n${F}\n`;
    const want = [{ kind: 'replace', path: 'src/a.py', search: 'x = 1\n', replace: 'x = 2\n' }];
    expect(repo(before).edits).toEqual(want);
    expect(repo(inside).edits).toEqual(want);
    const info = `${F}python src/a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n${F}\n`;
    expect(repo(info).edits).toEqual(want);
    // A whole-file block right after a fenced S/R block is still seen.
    const both = repo(`${inside}b.py\n${F}python\nB = 1\n${F}\n`);
    expect(both.edits).toEqual([...want, { kind: 'write', path: 'b.py', content: 'B = 1\n', fromText: {} }]);
  });

  it('continues the previous file when a block has no path line, and keeps fences inside SEARCH', () => {
    const md = `${F}\nold\n${F}\n`;
    const text = `${block('README.md', md, 'new\n')}Also:\n<<<<<<< SEARCH\nend\n=======\nEND\n>>>>>>> REPLACE\n`;
    expect(repo(text).edits).toEqual([
      { kind: 'replace', path: 'README.md', search: md, replace: 'new\n' },
      { kind: 'replace', path: 'README.md', search: 'end\n', replace: 'END\n' },
    ]);
  });

  it('keeps an empty SEARCH (create a new file) and an empty REPLACE (delete lines)', () => {
    expect(repo(block('new.txt', '', 'hello\n')).edits).toEqual([
      { kind: 'replace', path: 'new.txt', search: '', replace: 'hello\n' },
    ]);
    expect(repo(block('a.txt', 'gone\n', '')).edits).toEqual([
      { kind: 'replace', path: 'a.txt', search: 'gone\n', replace: '' },
    ]);
  });

  it('reports a block without a path, and an unterminated block', () => {
    const noPath = repo('Change this:\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n');
    expect(noPath.edits).toEqual([]);
    expect(noPath.problems[0]).toMatch(/has no file path/);
    const cut = repo('a.ts\n<<<<<<< SEARCH\na\n=======\nb\n');
    expect(cut.edits).toEqual([]);
    expect(cut.problems[0]).toMatch(/for a\.ts is not complete: `>>>>>>> REPLACE` is missing/);
  });

  it('accepts CRLF replies and a reasoning block before the answer', () => {
    const r = repo(
      '<think>maybe a.ts\n<<<<<<< SEARCH</think>a.ts\r\n<<<<<<< SEARCH\r\nx\r\n=======\r\ny\r\n>>>>>>> REPLACE\r\n',
    );
    expect(r.edits).toEqual([{ kind: 'replace', path: 'a.ts', search: 'x\n', replace: 'y\n' }]);
  });
});

describe('script tasks', () => {
  it('takes a single fenced block with no path as the script', () => {
    const r = script(`Here you go:\n${F}python\nprint("March 2026")\n${F}\n`);
    expect(r.script).toEqual({ lang: 'python', content: 'print("March 2026")\n' });
    expect(r.edits).toEqual([]);
  });

  it('prefers the biggest pathless block over a usage example', () => {
    const r = script(
      `${F}python\nimport sys\n\ndef main():\n    print(1)\n\nmain()\n${F}\nRun it:\n${F}bash\npython s.py\n${F}\n`,
    );
    expect(r.script?.lang).toBe('python');
    expect(r.script?.content).toMatch(/^import sys/);
  });

  it('guesses the language from a shebang, and uses a lone named file as the script', () => {
    expect(script(`${F}\n#!/usr/bin/env python3\nprint(1)\n${F}`).script?.lang).toBe('python');
    const named = script(`solution.py\n${F}\nprint(2)\n${F}`);
    expect(named.script).toEqual({ lang: 'python', content: 'print(2)\n' });
    expect(named.edits).toHaveLength(1);
  });

  it('does not take pathless blocks as edits in a repo task', () => {
    const r = repo(`${F}python\nimport sys\nprint(1)\nprint(2)\nprint(3)\n${F}\n`);
    expect(r.script).toBeUndefined();
    expect(r.edits).toEqual([]);
    expect(r.problems[0]).toMatch(/no file path/);
  });
});

describe('replies with nothing to apply', () => {
  it('returns no edits and no problems for prose', () => {
    expect(repo('I think the code is fine as it is.')).toEqual({ edits: [], problems: [] });
    expect(repo('')).toEqual({ edits: [], problems: [] });
    expect(script('No idea.')).toEqual({ edits: [], problems: [] });
  });

  it('never throws on garbage', () => {
    const garbage = [
      '```',
      '``````',
      '<<<<<<< SEARCH',
      '=======\n>>>>>>> REPLACE',
      '>>>>>>> REPLACE\n```\n```',
      '\u0000\u0001```\n',
      'a.ts\n```\n<<<<<<< SEARCH\n',
      '~~~~\n```\n~~~',
    ];
    for (const g of garbage) {
      expect(() => repo(g)).not.toThrow();
      expect(() => script(g)).not.toThrow();
    }
    expect(repo('a.ts\n```\n<<<<<<< SEARCH\n').problems.length).toBeGreaterThan(0);
  });
});
