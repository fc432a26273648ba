import { afterAll, describe, expect, it } from 'vitest';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { discoverRepo } from '../../src/git/discover.js';
import { openRepo } from '../../src/git/repo.js';
import { FactoryError } from '../../src/errors.js';
import { cleanupTemps, makeRepo, sh, tempDir } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

/** What git itself says about `cwd`: the common dir and the worktree top, as real paths. */
async function gitSays(cwd: string) {
  const [common, top] = sh(
    cwd,
    'rev-parse',
    '--path-format=absolute',
    '--git-common-dir',
    '--show-toplevel',
  ).split('\n');
  return { commonDir: await realpath(common!), top: await realpath(top!) };
}

describe('discoverRepo (the repository from its files)', () => {
  it('finds what git finds: from the top, a subfolder, a linked worktree and one inside .git', async () => {
    const dir = await makeRepo({ 'src/deep/a.txt': 'a\n' });
    const linked = path.join(await tempDir(), 'linked');
    sh(dir, 'worktree', 'add', '-q', '-b', 'side', linked);
    // Where factory keeps task worktrees by default: inside the git dir.
    const inside = path.join(dir, '.git/factory/worktrees/1');
    await mkdir(path.dirname(inside), { recursive: true });
    sh(dir, 'worktree', 'add', '-q', '-b', 'task', inside);
    for (const cwd of [dir, path.join(dir, 'src/deep'), linked, path.join(linked, 'src'), inside]) {
      const found = await discoverRepo(cwd);
      expect(found, cwd).toEqual(await gitSays(cwd));
      const repo = await openRepo(cwd);
      expect(repo.commonDir).toBe(found!.commonDir);
      expect(repo.cwdTop).toBe(found!.top);
      expect(repo.root).toBe(await realpath(dir));
    }
  });

  it('leaves git to answer where the layout is not the plain one, and openRepo still does', async () => {
    const dir = await makeRepo();
    // Inside the git dir itself: git has its own answer there.
    expect(await discoverRepo(path.join(dir, '.git'))).toBeUndefined();
    expect(await discoverRepo(path.join(dir, '.git/refs'))).toBeUndefined();

    // core.worktree moves the worktree away from the folder the .git is in.
    const moved = await makeRepo();
    const elsewhere = await tempDir();
    sh(moved, 'config', 'core.worktree', elsewhere);
    expect(await discoverRepo(moved)).toBeUndefined();

    // A bare repository: openRepo refuses it (exit 2), through git.
    const bare = await tempDir();
    sh(bare, 'init', '-q', '--bare');
    expect(await discoverRepo(bare)).toBeUndefined();
    const e = await openRepo(bare).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(FactoryError);
    expect((e as FactoryError).exitCode).toBe(2);

    // An empty .git folder is no repository; git then looks further up.
    const parent = await makeRepo();
    const fake = path.join(parent, 'sub');
    await mkdir(path.join(fake, '.git'), { recursive: true });
    expect(await discoverRepo(fake)).toBeUndefined();
    expect((await openRepo(fake)).root).toBe(await realpath(parent));
  });

  it('outside any repository, openRepo refuses as before', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'a.txt'), 'a\n');
    expect(await discoverRepo(dir)).toBeUndefined();
    const e = await openRepo(dir).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(FactoryError);
    expect((e as FactoryError).message).toMatch(/not a git repository/);
  });

  it('a separate git dir: found from the files, the main worktree from git', async () => {
    const gitDir = path.join(await tempDir(), 'store.git');
    const work = await tempDir();
    sh(work, 'init', '-q', '-b', 'main', `--separate-git-dir=${gitDir}`);
    sh(work, 'commit', '-q', '--allow-empty', '-m', 'initial');
    expect(await discoverRepo(work)).toEqual(await gitSays(work));
    const repo = await openRepo(work);
    expect(repo.cwdTop).toBe(await realpath(work));
    expect(repo.commonDir).toBe(await realpath(gitDir));
  });
});
