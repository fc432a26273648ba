/**
 * What the sandbox allows, and the tricks that need a real filesystem to show: in-tree
 * symlinks, hard links to outside files, FIFOs, names that merely look like escapes, and a
 * directory swapped for a symlink between the check and the write.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  chmod,
  link,
  lstat,
  mkdir,
  readFile,
  readdir,
  realpath,
  rename,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FactoryError } from '../../src/errors.js';
import { SandboxError, checkRelativePath, isGitName, resolveInside } from '../../src/agent/sandbox.js';
import { readExisting, writeAt } from '../../src/agent/tools/safe-fs.js';
import { createFileTools } from '../../src/agent/tools/index.js';
import { cleanupTemps, makeRepo, tempDir } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

describe('resolveInside', () => {
  it('returns the real path of ordinary and not-yet-existing files', async () => {
    const root = await makeRepo({ 'src/a.ts': 'a\n' });
    expect(await resolveInside(root, 'src/a.ts')).toBe(path.join(root, 'src/a.ts'));
    expect(await resolveInside(root, './src//a.ts')).toBe(path.join(root, 'src/a.ts'));
    expect(await resolveInside(root, 'new/deep/file.ts', { forWrite: true })).toBe(
      path.join(root, 'new/deep/file.ts'),
    );
    expect(await resolveInside(root, 'my file (1).txt', { forWrite: true })).toBe(
      path.join(root, 'my file (1).txt'),
    );
    expect(await resolveInside(root, '.')).toBe(root);
    expect(await resolveInside(root, 'src/')).toBe(path.join(root, 'src'));
  });

  it('follows symlinks that stay inside, to their target', async () => {
    const root = await makeRepo({ 'src/a.ts': 'a\n' });
    await symlink('src', path.join(root, 'lib'));
    await symlink('src/a.ts', path.join(root, 'alias.ts'));
    expect(await resolveInside(root, 'lib/a.ts', { forWrite: true })).toBe(path.join(root, 'src/a.ts'));
    expect(await resolveInside(root, 'alias.ts', { forWrite: true })).toBe(path.join(root, 'src/a.ts'));
  });

  it('works when the root is given through a symlink', async () => {
    const root = await makeRepo({ 'a.txt': 'a\n' });
    const elsewhere = await tempDir();
    await symlink(root, path.join(elsewhere, 'wt'));
    expect(await resolveInside(path.join(elsewhere, 'wt'), 'a.txt')).toBe(path.join(root, 'a.txt'));
  });

  it('refuses with a SandboxError (a FactoryError with exit code 2) meant for the model', async () => {
    const root = await makeRepo();
    const err = await resolveInside(root, '../x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect(err).toBeInstanceOf(FactoryError);
    expect((err as SandboxError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/relative to the repository root/);
    await expect(resolveInside(root, '.', { forWrite: true })).rejects.toThrow(
      /repository root; name a file/,
    );
    await expect(resolveInside(root, 'README.md/x')).rejects.toThrow(/"README.md" is not a directory/);
  });

  it('checks paths as text before touching the disk', () => {
    expect(checkRelativePath('a/./b//c')).toEqual(['a', 'b', 'c']);
    expect(checkRelativePath('.')).toEqual([]);
    expect(() => checkRelativePath(42)).toThrow(SandboxError);
    expect(() => checkRelativePath('a/'.repeat(2049))).toThrow(/longer than 4096 bytes/);
    // The limit is in bytes, not characters: 127 two-byte é fit, 86 three-byte € do not.
    expect(checkRelativePath('é'.repeat(127))).toHaveLength(1);
    expect(() => checkRelativePath('€'.repeat(86))).toThrow(/longer than 255 bytes/);
  });

  it('recognises .git in the spellings filesystems treat as .git', () => {
    for (const n of [
      '.git',
      '.GIT',
      '.Git',
      '.git.',
      '.git ',
      '.git::$DATA',
      'git~1',
      'GIT~1',
      '.g\u200dit',
      '\ufeff.git',
    ]) {
      expect(isGitName(n), JSON.stringify(n)).toBe(true);
    }
    for (const n of ['.gitignore', '.github', 'git', '.git2', 'x.git', '.gitattributes', '.gitmodules']) {
      expect(isGitName(n), n).toBe(false);
    }
  });
});

describe('writing inside the worktree', () => {
  it('writes through an in-tree symlink to its target and reports the target as changed', async () => {
    const root = await makeRepo({ 'src/a.ts': 'a\n' });
    await symlink('src', path.join(root, 'lib'));
    const tools = createFileTools(root);
    const r = await tools.call('write_file', { path: 'lib/a.ts', content: 'b\n' });
    expect(r).toMatchObject({ ok: true, changed: ['src/a.ts'] });
    expect(await readFile(path.join(root, 'src/a.ts'), 'utf8')).toBe('b\n');
    expect((await lstat(path.join(root, 'lib'))).isSymbolicLink()).toBe(true);
  });

  it('treats look-alike names (U+2215 DIVISION SLASH, dots in names) as plain names', async () => {
    const root = await makeRepo();
    const tools = createFileTools(root);
    // "..∕x" is one name: U+2215 is not a path separator, so this creates a file at the root.
    const r = await tools.call('write_file', { path: '..\u2215x', content: 'x\n' });
    expect(r).toMatchObject({ ok: true, changed: ['..\u2215x'] });
    expect(existsSync(path.join(root, '..\u2215x'))).toBe(true);
    expect((await tools.call('write_file', { path: '...', content: 'y\n' })).ok).toBe(true);
    expect(
      (await tools.call('write_file', { path: '.github/workflows/ci.yml', content: 'on: push\n' })).ok,
    ).toBe(true);
    expect((await tools.call('write_file', { path: '.gitignore', content: 'dist\n' })).ok).toBe(true);
  });

  it('replaces a hard link instead of writing into the inode it shares with an outside file', async () => {
    const root = await makeRepo();
    const outside = await tempDir('factory-outside-');
    await writeFile(path.join(outside, 'precious.txt'), 'precious\n');
    await link(path.join(outside, 'precious.txt'), path.join(root, 'linked.txt'));
    const tools = createFileTools(root);
    expect((await tools.call('write_file', { path: 'linked.txt', content: 'new\n' })).ok).toBe(true);
    expect(await readFile(path.join(root, 'linked.txt'), 'utf8')).toBe('new\n');
    expect(await readFile(path.join(outside, 'precious.txt'), 'utf8')).toBe('precious\n');
    const r = await tools.call('replace_in_file', { path: 'linked.txt', search: 'new', replace: 'newer' });
    expect(r.ok).toBe(true);
    expect(await readFile(path.join(outside, 'precious.txt'), 'utf8')).toBe('precious\n');
  });

  it('keeps the file mode (an executable stays executable)', async () => {
    const root = await makeRepo({ 'run.sh': '#!/bin/sh\necho a\n' });
    await chmod(path.join(root, 'run.sh'), 0o755);
    const tools = createFileTools(root);
    expect(
      (await tools.call('replace_in_file', { path: 'run.sh', search: 'echo a', replace: 'echo b' })).ok,
    ).toBe(true);
    expect((await stat(path.join(root, 'run.sh'))).mode & 0o777).toBe(0o755);
  });

  it('leaves no temp files behind', async () => {
    const root = await makeRepo();
    const tools = createFileTools(root);
    await tools.call('write_file', { path: 'd/e/f.txt', content: 'x\n' });
    await tools.call('write_file', { path: 'd/e/f.txt', content: 'y\n' });
    expect(await readdir(path.join(root, 'd/e'))).toEqual(['f.txt']);
  });

  it('does not hang on a FIFO', async () => {
    const root = await makeRepo();
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    const tools = createFileTools(root);
    const read = await tools.call('read_file', { path: 'pipe' });
    expect(read).toMatchObject({ ok: false });
    expect(read.output).toMatch(/not a regular file/);
    expect((await tools.call('replace_in_file', { path: 'pipe', search: 'a', replace: 'b' })).ok).toBe(false);
  });

  it('refuses to write when a checked directory was swapped for a symlink before the write', async () => {
    const root = await makeRepo({ 'd/f.txt': 'f\n' });
    const outside = await tempDir('factory-outside-');
    const { abs } = await readExisting(root, 'd/f.txt', 1 << 20);
    await rename(path.join(root, 'd'), path.join(root, 'd-old'));
    await symlink(outside, path.join(root, 'd'));
    await expect(writeAt(root, abs, 'd/f.txt', 'pwned\n')).rejects.toThrow(SandboxError);
    expect(await readdir(outside)).toEqual([]);
  });

  it('refuses to create a directory level that turns out to be a symlink', async () => {
    const root = await makeRepo();
    const outside = await tempDir('factory-outside-');
    const { abs } = await readExisting(root, 'new/f.txt', 1 << 20);
    await symlink(outside, path.join(root, 'new'));
    await expect(writeAt(root, abs, 'new/f.txt', 'pwned\n')).rejects.toThrow(/not a plain directory/);
    expect(await readdir(outside)).toEqual([]);
  });

  it('deletes a symlink itself, never its target', async () => {
    const root = await makeRepo({ 'src/a.ts': 'a\n' });
    await symlink('src/a.ts', path.join(root, 'alias.ts'));
    const r = await createFileTools(root).call('delete_file', { path: 'alias.ts' });
    expect(r).toMatchObject({ ok: true, changed: ['alias.ts'] });
    expect(existsSync(path.join(root, 'alias.ts'))).toBe(false);
    expect(await readFile(path.join(root, 'src/a.ts'), 'utf8')).toBe('a\n');
  });

  it('creates parent directories one level at a time', async () => {
    const root = await makeRepo();
    await mkdir(path.join(root, 'a'));
    const r = await createFileTools(root).call('write_file', { path: 'a/b/c/d.txt', content: 'd\n' });
    expect(r).toMatchObject({ ok: true, changed: ['a/b/c/d.txt'] });
    expect(await realpath(path.join(root, 'a/b/c'))).toBe(path.join(root, 'a/b/c'));
  });
});
