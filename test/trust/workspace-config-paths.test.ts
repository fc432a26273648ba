import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { openRepo } from '../../src/git/repo.js';
import { createTask } from '../../src/tasks/create.js';
import { cleanupTemps, makeRepo, sh, tempDir, writeFiles } from '../helpers/git-repo.js';
import { W } from '../helpers/engine.js';

afterAll(cleanupTemps);

async function configError(dir: string, worktree: Record<string, unknown>): Promise<string> {
  await writeFile(path.join(dir, '.factoryrc.json'), JSON.stringify({ worktree }));
  const e = await loadConfig({ repoRoot: dir, env: {}, userConfigPath: path.join(dir, 'none.json') }).then(
    () => null,
    (err: { message: string; exitCode: number }) => err,
  );
  expect(e?.exitCode).toBe(2);
  return e!.message;
}

describe('trust: worktree.copy and worktree.link stay inside the main tree and the worktree', () => {
  it('rejects absolute, `..` and `.git` paths at config load, naming the file and the field', async () => {
    const dir = await makeRepo();
    expect(await configError(dir, { link: ['node_modules', '../../../../etc'] })).toBe(
      `${path.join(dir, '.factoryrc.json')}: worktree.link[1]: must stay inside the repository: ".." is not allowed, got "../../../../etc"`,
    );
    expect(await configError(dir, { copy: ['/tmp/x'] })).toMatch(
      /\.factoryrc\.json: worktree\.copy\[0\]: must be relative to the repository top level/,
    );
    expect(await configError(dir, { keep: ['.git/hooks'] })).toMatch(
      /worktree\.keep\[0\]: must not name git's own/,
    );
    expect(await configError(dir, { copy: ['a/../../b'] })).toMatch(/worktree\.copy\[0\]/);
  });

  it('refuses a source that a symlink takes outside, and a target that goes through one', async () => {
    const outside = await tempDir();
    await writeFiles(outside, { 'secret/key.pem': 'k\n' });
    // Source: an ignored `conf` in the main tree that is a symlink to a folder outside.
    const dir = await makeRepo({ '.gitignore': 'conf\nnode_modules/\n', 'a.txt': 'a\n' });
    await symlink(path.join(outside, 'secret'), path.join(dir, 'conf'));
    const repo = await openRepo(dir);
    await expect(createTask(repo, { ...W, link: ['conf'] }, { title: 'src' })).rejects.toThrow(
      /^worktree\.link: "conf" resolves to .*secret, outside the main tree/,
    );

    // Target: the task starts from a commit where `lnk` was a symlink to a folder outside, while
    // the main tree now has a real `lnk/node_modules` to link.
    const target = await tempDir();
    await symlink(target, path.join(dir, 'lnk'));
    sh(dir, 'add', 'lnk');
    sh(dir, 'commit', '-qm', 'lnk is a link');
    sh(dir, 'rm', '-q', 'lnk');
    await writeFile(path.join(dir, '.gitignore'), 'conf\nnode_modules/\n');
    await mkdir(path.join(dir, 'lnk/node_modules/dep'), { recursive: true });
    await writeFile(path.join(dir, 'lnk/node_modules/dep/index.js'), '1\n');
    await writeFile(path.join(dir, 'lnk/keep.txt'), 'k\n');
    sh(dir, 'add', 'lnk/keep.txt');
    sh(dir, 'commit', '-qm', 'lnk is a folder');
    const e = await createTask(
      repo,
      { ...W, link: ['lnk/node_modules'] },
      { title: 'dst', base: 'HEAD~1' },
    ).then(
      () => null,
      (err: { message: string; exitCode: number }) => err,
    );
    expect(e?.exitCode).toBe(2);
    expect(e?.message).toMatch(
      /^worktree\.link: "lnk\/node_modules" goes through lnk, which is not a plain directory/,
    );
    expect(existsSync(path.join(target, 'node_modules'))).toBe(false);

    // The same paths inside the tree still work.
    await rm(path.join(dir, 'conf'));
    const ok = await createTask(repo, { ...W, link: ['lnk/node_modules'] }, { title: 'fine' });
    expect(lstatSync(path.join(ok.record.worktree, 'lnk/node_modules')).isSymbolicLink()).toBe(true);
  });
});
