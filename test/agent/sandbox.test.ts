/**
 * The sandbox suite: hostile paths and symlink tricks, each sent through every tool that
 * writes (write_file, replace_in_file, delete_file), through apply() and through read_file,
 * against a main worktree and a linked one (which factory keeps inside `.git`). Every call
 * must fail with an error, and nothing may change outside the worktree or inside `.git`: the
 * whole repo (its `.git`, the worktree) and a sibling directory are snapshotted, mtimes included.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileTools, type FileTools } from '../../src/agent/tools/index.js';
import type { ToolResult } from '../../src/agent/types.js';
import { cleanupTemps } from '../helpers/git-repo.js';
import { PWN, diffSnapshots, makeFixture, snapshot, type Entry, type Fixture } from './sandbox-helpers.js';

afterAll(cleanupTemps);

type Case = [name: string, path: (fx: Fixture) => string];
const p = (s: string) => (): string => s;

const HOSTILE: Case[] = [
  // Escapes by `..`
  ['parent file', p(`../${PWN}`)],
  ['parent dir itself', p('..')],
  ['parent with trailing slash', p('../')],
  ['sub then up twice', p(`a/../../${PWN}`)],
  ['up and back in (any .. is refused)', p('a/../README.md')],
  ['deep climb', p(`a/b/c/../../../../../${PWN}`)],
  ['dot-dot after dot', p(`./../${PWN}`)],
  // Absolute paths
  ['/etc/passwd', p('/etc/passwd')],
  ['absolute into outside', (fx) => path.join(fx.outside, PWN)],
  ['absolute into the worktree itself', (fx) => path.join(fx.root, 'README.md')],
  ['root slash', p('/')],
  ['double slash', p(`//${PWN}`)],
  ['windows drive backslash', p('C:\\x')],
  ['windows drive slash', p('C:/x')],
  ['windows drive relative', p('c:x')],
  ['UNC path', p('\\\\srv\\share\\x')],
  ['backslash parent', p(`..\\${PWN}`)],
  ['backslash climb', p(`a\\..\\..\\${PWN}`)],
  ['file URL', p('file:///etc/passwd')],
  // Home
  ['tilde ssh', p('~/.ssh/authorized_keys')],
  ['tilde alone', p('~')],
  ['tilde user', p('~root/.bashrc')],
  // .git in every spelling
  ['.git/config', p('.git/config')],
  ['.git/HEAD', p('.git/HEAD')],
  ['.GIT/HEAD', p('.GIT/HEAD')],
  ['.Git hooks', p('.Git/hooks/pre-commit')],
  ['a/../.git hooks', p('a/../.git/hooks/pre-commit')],
  ['./.git', p('./.git')],
  ['./.git/', p('./.git/')],
  ['.git itself', p('.git')],
  ['.git with trailing dot (NTFS)', p('.git./config')],
  ['.git with stream (NTFS)', p('.git::$INDEX_ALLOCATION/config')],
  ['git~1 short name (NTFS)', p('git~1/config')],
  ['.git with HFS+ ignorable char', p('.g\u200cit/config')],
  ['nested .git file', p('sub/.git')],
  ['nested .git dir', p('sub/.git/config')],
  ['new nested .git', p('newdir/.git/hooks/post-checkout')],
  // Bad characters and sizes
  ['NUL byte', p('x\u0000y')],
  ['newline', p('x\ny')],
  ['carriage return', p('x\ry')],
  ['escape sequence', p('\u001b[31mx')],
  ['bidi override', p('a\u202etxt.exe')],
  ['300-byte name', p('a'.repeat(300))],
  ['5000-byte path', p(`${'d'.repeat(100)}/`.repeat(50))],
  ['empty', p('')],
  ['spaces only', p('   ')],
  ['leading space', p(' README.md')],
  // The root itself and directories
  ['dot (root)', p('.')],
  ['dot slash (root)', p('./')],
  ['directory with trailing slash', p('src/')],
  // Symlinks
  ['through link to outside dir', p(`out-link/${PWN}`)],
  ['through link to /tmp', p(`tmp-link/${PWN}`)],
  ['through relative escaping link', p(`rel-escape/${PWN}`)],
  ['through a chain of links', p(`chain1/${PWN}`)],
  ['dangling link pointing outside', p('dangling-out')],
  ['dangling link pointing inside', p('dangling-in')],
  ['link to an outside file', p('file-link-out')],
  ['link to outside dir itself', p('out-link')],
  ['through link in a subdir', p(`sub/deep-link/${PWN}`)],
  ['through link to .git', p('git-link/config')],
  ['link to .git itself', p('git-link')],
  ['through link to the git dir', p('gitdir-link/HEAD')],
  ['link to the git config', p('gitconfig-link')],
  ['link loop', p(`loop-a/${PWN}`)],
  ['link loop itself', p('loop-a')],
  ['link to the root (write = root)', p('self-link')],
  ['through link to ..', p(`parent-link/${PWN}`)],
  ['through link to /', p('root-link/etc/passwd')],
  ['new dirs under a symlinked parent', p(`linkdir/new/deeper/${PWN}`)],
  ['link climbing from a nested dir', p(`sub/nested/up-link/${PWN}`)],
  ['link then dot-dot', p('self-link/../x')],
];

async function everyCall(tools: FileTools, rel: string): Promise<Array<[string, ToolResult]>> {
  return [
    ['write_file', await tools.call('write_file', { path: rel, content: 'pwned\n' })],
    [
      'write_file (JSON text)',
      await tools.call('write_file', JSON.stringify({ path: rel, content: 'pwned\n' })),
    ],
    [
      'replace_in_file (create)',
      await tools.call('replace_in_file', { path: rel, search: '', replace: 'pwned\n' }),
    ],
    [
      'replace_in_file (edit)',
      await tools.call('replace_in_file', { path: rel, search: 'secret', replace: 'pwned' }),
    ],
    ['delete_file', await tools.call('delete_file', { path: rel })],
    ['read_file', await tools.call('read_file', { path: rel })],
    ['apply write', await tools.apply({ kind: 'write', path: rel, content: 'pwned\n' })],
    ['apply replace', await tools.apply({ kind: 'replace', path: rel, search: '', replace: 'pwned\n' })],
    ['apply delete', await tools.apply({ kind: 'delete', path: rel })],
  ];
}

it('has at least 40 hostile cases', () => {
  expect(HOSTILE.length).toBeGreaterThanOrEqual(40);
});

describe.each(['main', 'linked'] as const)('hostile paths in a %s worktree', (kind) => {
  let fx: Fixture;
  let tools: FileTools;
  let repoBefore: Map<string, Entry>;
  let outsideBefore: Map<string, Entry>;

  beforeAll(async () => {
    fx = await makeFixture(kind);
    tools = createFileTools(fx.root);
    repoBefore = await snapshot(fx.repo);
    outsideBefore = await snapshot(fx.outside);
  });

  it.each(HOSTILE)('%s: every tool refuses and nothing changes', async (_name, pathOf) => {
    const rel = pathOf(fx);
    for (const [call, result] of await everyCall(tools, rel)) {
      expect(result.ok, `${call} ${JSON.stringify(rel)}: ${result.output}`).toBe(false);
      expect(result.output, call).toMatch(/^error: /);
      expect(result.changed, call).toEqual([]);
    }
    // The repo covers its .git and (for a linked worktree) the worktree itself.
    expect(diffSnapshots(repoBefore, await snapshot(fx.repo))).toEqual([]);
    expect(diffSnapshots(outsideBefore, await snapshot(fx.outside))).toEqual([]);
    expect(existsSync(path.join(fx.tmp, PWN))).toBe(false);
    expect(existsSync(`/${PWN}`)).toBe(false);
  });

  it('names the reason in sandbox refusals', async () => {
    const cases: Array<[string, RegExp]> = [
      ['../x', /refused path "\.\.\/x": `\.\.` is not allowed/],
      ['.git/config', /belong to git/],
      [`out-link/${PWN}`, /symbolic link that leaves the repository/],
      ['dangling-out', /target does not exist/],
      ['loop-a', /loop of symbolic links/],
      ['x\u0000y', /"x\\u0000y".*control/],
      ['C:\\x', /Windows drive/],
      ['~/x', /home directory/],
      ['git-link/config', /into `\.git`/],
    ];
    for (const [rel, why] of cases) {
      const r = await tools.call('write_file', { path: rel, content: 'x' });
      expect(r.output).toMatch(why);
    }
  });
});
