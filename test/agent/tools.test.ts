import { readFile, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TOOL_SPECS, createFileTools } from '../../src/agent/tools/index.js';
import { cleanupTemps, makeRepo } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

const read = (root: string, rel: string) => readFile(path.join(root, rel), 'utf8');

describe('tool specs', () => {
  it('describes every tool with a JSON-schema object', () => {
    expect(TOOL_SPECS.map((s) => s.name)).toEqual([
      'read_file',
      'write_file',
      'replace_in_file',
      'delete_file',
      'list_files',
      'search',
      'run_command',
    ]);
    for (const s of TOOL_SPECS) {
      expect(s.parameters).toMatchObject({
        type: 'object',
        properties: expect.any(Object),
        required: expect.any(Array),
      });
      expect(s.description.length).toBeGreaterThan(5);
    }
  });

  it('offers run_command only when it is enabled and a runner is given', async () => {
    const root = await makeRepo();
    const names = (t: ReturnType<typeof createFileTools>) => t.specs().map((s) => s.name);
    expect(names(createFileTools(root))).not.toContain('run_command');
    expect(names(createFileTools(root, { allowRunCommand: true }))).not.toContain('run_command');
    expect(
      names(createFileTools(root, { runCommand: async () => ({ exitCode: 0, output: '' }) })),
    ).not.toContain('run_command');
    const on = createFileTools(root, {
      allowRunCommand: true,
      runCommand: async () => ({ exitCode: 0, output: '' }),
    });
    expect(names(on)).toContain('run_command');
  });
});

describe('read_file', () => {
  it('returns the content', async () => {
    const root = await makeRepo({ 'src/a.ts': 'export const a = 1;\n' });
    expect(await createFileTools(root).call('read_file', { path: 'src/a.ts' })).toEqual({
      ok: true,
      output: 'export const a = 1;\n',
      changed: [],
    });
  });

  it('truncates a big file on a line boundary and says so', async () => {
    const root = await makeRepo({ 'big.txt': 'abcdefghi\n'.repeat(100) });
    const r = await createFileTools(root, { maxReadBytes: 55 }).call('read_file', { path: 'big.txt' });
    expect(r.ok).toBe(true);
    expect(r.output).toBe(`${'abcdefghi\n'.repeat(5)}\n[… truncated: showing the first 50 of 1000 bytes]`);
  });

  it('never cuts a multi-byte character in two', async () => {
    const root = await makeRepo({ 'u.txt': 'aé€b' });
    const sizes: Array<[number, string]> = [
      [2, 'a'],
      [3, 'aé'],
      [4, 'aé'],
      [5, 'aé'],
      [6, 'aé€'],
    ];
    for (const [maxReadBytes, text] of sizes) {
      const r = await createFileTools(root, { maxReadBytes }).call('read_file', { path: 'u.txt' });
      expect(r.output.split('\n')[0], String(maxReadBytes)).toBe(text);
    }
  });

  it('fails on a missing file, a directory and a binary file', async () => {
    const root = await makeRepo({ 'src/a.ts': 'a\n' });
    await writeFile(path.join(root, 'img.png'), Buffer.from([0x89, 0x50, 0x00, 0x01]));
    await writeFile(path.join(root, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    const tools = createFileTools(root);
    expect((await tools.call('read_file', { path: 'nope.ts' })).output).toBe('error: nope.ts does not exist');
    expect((await tools.call('read_file', { path: 'src' })).output).toMatch(
      /^error: src is a directory; use list_files/,
    );
    expect((await tools.call('read_file', { path: 'img.png' })).output).toMatch(
      /^error: img.png is a binary file/,
    );
    expect((await tools.call('read_file', { path: 'latin1.txt' })).output).toMatch(/not valid UTF-8/);
  });
});

describe('write_file', () => {
  it('creates files and their directories, and reports the change', async () => {
    const root = await makeRepo();
    const r = await createFileTools(root).call('write_file', { path: 'src/new/x.ts', content: 'x\ny\n' });
    expect(r).toEqual({ ok: true, output: 'created src/new/x.ts (2 lines)', changed: ['src/new/x.ts'] });
    expect(await read(root, 'src/new/x.ts')).toBe('x\ny\n');
  });

  it('overwrites, and reports no change for identical content', async () => {
    const root = await makeRepo({ 'a.txt': 'a\n' });
    const tools = createFileTools(root);
    expect(await tools.call('write_file', { path: 'a.txt', content: 'b\n' })).toMatchObject({
      ok: true,
      changed: ['a.txt'],
    });
    expect(await tools.call('write_file', { path: 'a.txt', content: 'b\n' })).toMatchObject({
      ok: true,
      changed: [],
    });
    expect(await tools.call('write_file', { path: 'empty.txt', content: '' })).toMatchObject({
      ok: true,
      changed: ['empty.txt'],
    });
  });

  it('keeps CRLF endings of an existing CRLF file', async () => {
    const root = await makeRepo();
    await writeFile(path.join(root, 'win.txt'), 'a\r\nb\r\n');
    await createFileTools(root).call('write_file', { path: 'win.txt', content: 'a\nc\n' });
    expect(await read(root, 'win.txt')).toBe('a\r\nc\r\n');
  });

  it('fails on missing or mistyped arguments and on a directory', async () => {
    const root = await makeRepo({ 'src/a.ts': 'a\n' });
    const tools = createFileTools(root);
    expect((await tools.call('write_file', { path: 'a.txt' })).output).toBe(
      'error: write_file needs the argument "content"',
    );
    expect((await tools.call('write_file', { content: 'x' })).output).toBe(
      'error: write_file needs the argument "path"',
    );
    expect((await tools.call('write_file', { path: 1, content: 'x' })).output).toMatch(
      /"path" must be a string/,
    );
    expect((await tools.call('write_file', { path: 'src', content: 'x' })).output).toBe(
      'error: src is a directory',
    );
    const big = createFileTools(root, { maxEditBytes: 10 });
    expect((await big.call('write_file', { path: 'b.txt', content: 'x'.repeat(11) })).output).toMatch(
      /larger than 10/,
    );
  });

  it('accepts the arguments as JSON text, and common aliases of "path"', async () => {
    const root = await makeRepo();
    const tools = createFileTools(root);
    expect((await tools.call('write_file', '{"path": "j.txt", "content": "j\\n"}')).changed).toEqual([
      'j.txt',
    ]);
    expect((await tools.call('write_file', { file_path: 'k.txt', content: 'k\n' })).changed).toEqual([
      'k.txt',
    ]);
    expect((await tools.call('write_file', '{"path": "j.txt", ')).output).toMatch(
      /^error: the arguments of write_file are not valid JSON/,
    );
    expect((await tools.call('write_file', '[1]')).output).toMatch(/must be a JSON object/);
  });
});

describe('replace_in_file', () => {
  it('replaces one match and reports the line', async () => {
    const root = await makeRepo({ 'a.py': 'def f():\n    return 1\n' });
    const r = await createFileTools(root).call('replace_in_file', {
      path: 'a.py',
      search: 'return 1',
      replace: 'return 2',
    });
    expect(r).toEqual({ ok: true, output: 'replaced text at line 2 of a.py', changed: ['a.py'] });
    expect(await read(root, 'a.py')).toBe('def f():\n    return 2\n');
  });

  it('returns the closest snippet when SEARCH does not match, and changes nothing', async () => {
    const root = await makeRepo({ 'a.py': 'def f():\n    return 1\n' });
    const r = await createFileTools(root).call('replace_in_file', {
      path: 'a.py',
      search: 'def f():\n    return 10\n',
      replace: 'x',
    });
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/^error: a\.py: The SEARCH text does not match the file/);
    expect(r.output).toContain('    return 1\n');
    expect(r.changed).toEqual([]);
    expect(await read(root, 'a.py')).toBe('def f():\n    return 1\n');
  });

  it('refuses an ambiguous SEARCH', async () => {
    const root = await makeRepo({ 'a.txt': 'x\ny\nx\n' });
    const r = await createFileTools(root).call('replace_in_file', {
      path: 'a.txt',
      search: 'x\n',
      replace: 'z\n',
    });
    expect(r.output).toMatch(/matches 2 places in the file \(lines 1, 3\)/);
  });

  it('creates a missing file from an empty SEARCH, and explains a missing file otherwise', async () => {
    const root = await makeRepo();
    const tools = createFileTools(root);
    expect(await tools.call('replace_in_file', { path: 'n.txt', search: '', replace: 'n\n' })).toMatchObject({
      ok: true,
      changed: ['n.txt'],
    });
    const r = await tools.call('replace_in_file', { path: 'm.txt', search: 'a', replace: 'b' });
    expect(r.output).toMatch(/^error: m\.txt does not exist\. To create it, use an empty SEARCH/);
    expect((await tools.call('replace_in_file', { path: 'n.txt', search: 'n' })).output).toMatch(
      /needs the argument "replace"/,
    );
  });

  it('reports no change when REPLACE equals SEARCH', async () => {
    const root = await makeRepo({ 'a.txt': 'a\n' });
    const r = await createFileTools(root).call('replace_in_file', {
      path: 'a.txt',
      search: 'a',
      replace: 'a',
    });
    expect(r).toMatchObject({ ok: true, changed: [] });
  });
});

describe('delete_file', () => {
  it('deletes a file', async () => {
    const root = await makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const r = await createFileTools(root).call('delete_file', { path: 'a.txt' });
    expect(r).toEqual({ ok: true, output: 'deleted a.txt', changed: ['a.txt'] });
    expect(existsSync(path.join(root, 'a.txt'))).toBe(false);
  });

  it('fails on a missing file and on a directory', async () => {
    const root = await makeRepo({ 'd/a.txt': 'a\n' });
    const tools = createFileTools(root);
    expect((await tools.call('delete_file', { path: 'nope' })).output).toBe('error: nope does not exist');
    expect((await tools.call('delete_file', { path: 'd' })).output).toMatch(/^error: d is a directory/);
    expect(existsSync(path.join(root, 'd/a.txt'))).toBe(true);
  });
});

describe('list_files', () => {
  it('lists files git-style, skipping .git and node_modules, symlinks not followed', async () => {
    const root = await makeRepo({ 'b.txt': 'b\n', 'src/a.ts': 'a\n', 'node_modules/x/index.js': 'x\n' });
    await symlink('src', path.join(root, 'lib'));
    const r = await createFileTools(root).call('list_files', {});
    expect(r).toEqual({ ok: true, output: 'b.txt\nlib (symlink)\nsrc/a.ts', changed: [] });
    expect((await createFileTools(root).call('list_files', { path: 'src/' })).output).toBe('src/a.ts');
    expect((await createFileTools(root).call('list_files', { path: 'src/a.ts' })).output).toBe('src/a.ts');
  });

  it('bounds its output', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`f${String(i).padStart(2, '0')}.txt`] = 'x\n';
    const root = await makeRepo(files);
    const r = await createFileTools(root, { maxListEntries: 10 }).call('list_files', {});
    const lines = r.output.split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[10]).toMatch(/more files not shown \(limit 10\)/);
  });

  it('fails on a missing directory and refuses paths outside', async () => {
    const root = await makeRepo();
    const tools = createFileTools(root);
    expect((await tools.call('list_files', { path: 'nope' })).output).toBe('error: nope does not exist');
    expect((await tools.call('list_files', { path: '..' })).ok).toBe(false);
    expect((await tools.call('list_files', { path: '.git' })).ok).toBe(false);
  });
});

describe('search', () => {
  it('finds literal matches as path:line: text', async () => {
    const root = await makeRepo({
      'src/a.ts': 'const total = price * qty;\nfoo();\n',
      'b.md': 'price * qty here\n',
    });
    const r = await createFileTools(root).call('search', { pattern: 'price * qty' });
    expect(r).toEqual({
      ok: true,
      output: 'b.md:1: price * qty here\nsrc/a.ts:1: const total = price * qty;',
      changed: [],
    });
  });

  it('searches by regex when asked, or when a literal finds nothing', async () => {
    const root = await makeRepo({ 'a.py': 'def alpha():\n    pass\ndef beta():\n' });
    const tools = createFileTools(root);
    expect((await tools.call('search', { pattern: 'def \\w+\\(', regex: true })).output).toBe(
      'a.py:1: def alpha():\na.py:3: def beta():',
    );
    const fallback = await tools.call('search', { pattern: 'def (alpha|beta)' });
    expect(fallback.output).toMatch(/^\(no literal match; matched as a regular expression\)\na\.py:1:/);
    expect((await tools.call('search', { pattern: '(', regex: true })).output).toMatch(
      /not a valid regular expression/,
    );
  });

  it('limits results, skips binary files, .git, node_modules and symlinks, and can search one path', async () => {
    const root = await makeRepo({
      'a.txt': 'hit\n'.repeat(20),
      'src/b.txt': 'hit\n',
      'node_modules/m.js': 'hit\n',
    });
    await writeFile(path.join(root, 'bin.dat'), Buffer.from('hit\u0000hit'));
    await symlink('a.txt', path.join(root, 'alias.txt'));
    const tools = createFileTools(root, { maxSearchResults: 5 });
    const r = await tools.call('search', { pattern: 'hit' });
    expect(r.output.split('\n')).toHaveLength(6);
    expect(r.output).toMatch(/more matches not shown \(limit 5\)/);
    expect(r.output).not.toMatch(/bin\.dat|node_modules|alias|\.git/);
    expect((await tools.call('search', { pattern: 'hit', path: 'src' })).output).toBe('src/b.txt:1: hit');
    expect((await tools.call('search', { pattern: 'nothing-like-this' })).output).toBe(
      'no matches for "nothing-like-this" in .',
    );
    expect((await tools.call('search', { pattern: '' })).ok).toBe(false);
    expect((await tools.call('search', { pattern: 'x', path: '../' })).ok).toBe(false);
  });
});

describe('run_command', () => {
  it('is refused when disabled, and runs through the injected runner when enabled', async () => {
    const root = await makeRepo();
    const off = await createFileTools(root).call('run_command', { command: 'rm -rf /' });
    expect(off).toMatchObject({ ok: false, changed: [] });
    expect(off.output).toMatch(/^error: run_command is disabled/);

    const seen: string[] = [];
    const tools = createFileTools(root, {
      allowRunCommand: true,
      runCommand: async (command) => {
        seen.push(command);
        return { exitCode: command === 'fail' ? 1 : 0, output: `ran ${command}\n` };
      },
    });
    expect(await tools.call('run_command', { command: 'npm test' })).toEqual({
      ok: true,
      output: 'exit code: 0\nran npm test\n',
      changed: [],
    });
    expect((await tools.call('run_command', { command: 'fail' })).ok).toBe(false);
    expect((await tools.call('run_command', {})).output).toMatch(/needs the argument "command"/);
    expect(seen).toEqual(['npm test', 'fail']);
  });
});

describe('call and apply', () => {
  it('answers unknown tools and malformed edits with errors, never throws', async () => {
    const root = await makeRepo();
    const tools = createFileTools(root);
    expect((await tools.call('rm_rf', {})).output).toMatch(
      /^error: unknown tool "rm_rf"; the tools are: read_file, /,
    );
    expect((await tools.call('__proto__', {})).ok).toBe(false);
    expect((await tools.call('constructor', {})).ok).toBe(false);
    const bad = await tools.apply({ kind: 'write', path: 'a.txt' } as never);
    expect(bad.output).toMatch(/^error: malformed edit/);
    expect((await tools.apply(null as never)).ok).toBe(false);
  });

  it('applies parsed edits like the tools do', async () => {
    const root = await makeRepo({ 'a.txt': 'one\ntwo\n' });
    const tools = createFileTools(root);
    expect(
      await tools.apply({ kind: 'replace', path: 'a.txt', search: 'two\n', replace: 'TWO\n' }),
    ).toMatchObject({
      ok: true,
      changed: ['a.txt'],
    });
    expect(await tools.apply({ kind: 'write', path: 'b.txt', content: 'b\n' })).toMatchObject({
      changed: ['b.txt'],
    });
    expect(await tools.apply({ kind: 'delete', path: 'b.txt' })).toMatchObject({ changed: ['b.txt'] });
    expect(await read(root, 'a.txt')).toBe('one\nTWO\n');
  });
});
