import { chmodSync, existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FactoryError } from '../../src/errors.js';
import { FACTORY_IDENTITY, git, GitError, gitOut, gitStatus } from '../../src/git/run.js';
import { dirtyTracked } from '../../src/git/rollback.js';
import { MAX_PROCESSES } from '../../src/git/simple.js';
import { worktreeEdits } from '../../src/git/save.js';
import { cleanupTemps, makeRepo, sh, tempDir, writeFiles } from '../helpers/git-repo.js';

/**
 * Every git call goes through simple-git (src/git/simple.ts): these tests look at what the real
 * git processes saw. The environment factory gives git is built once, from process.env as it is
 * at the first call, so the hostile variables are in place before any call of this file.
 */
const HOSTILE = {
  GIT_DIR: '/nonexistent/git-dir',
  GIT_INDEX_FILE: '/nonexistent/index',
  GIT_WORK_TREE: '/',
  // simple-git guards these too; inherited, they must not make every call fail.
  PAGER: 'touch /tmp/factory-pager-ran',
  EDITOR: 'touch /tmp/factory-editor-ran',
  LC_ALL: 'C.utf8',
  LANGUAGE: 'de',
};
const saved: Record<string, string | undefined> = {};
let userConfig: string;

beforeAll(async () => {
  const home = await tempDir('factory-xdg-');
  userConfig = path.join(home, 'git', 'config');
  await mkdir(path.dirname(userConfig), { recursive: true });
  await writeFile(userConfig, '');
  for (const [k, v] of Object.entries({ ...HOSTILE, XDG_CONFIG_HOME: home })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await cleanupTemps();
});

async function script(file: string, body: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
}

/** The environment of a program git runs for the alias `envdump` (set in the repo's config). */
async function envSeenByGit(dir: string): Promise<Map<string, string>> {
  sh(dir, 'config', 'alias.envdump', '!env > envdump.txt');
  await git(['envdump'], { cwd: dir });
  const text = await readFile(path.join(dir, 'envdump.txt'), 'utf8');
  return new Map(text.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe('the hardening reaches every git process', () => {
  it('runs no hook: neither .git/hooks nor a configured core.hooksPath', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    const canary = path.join(dir, 'hook-ran.log');
    for (const hooks of ['.git/hooks', 'myhooks'])
      for (const name of ['pre-commit', 'post-commit', 'reference-transaction'])
        await script(path.join(dir, hooks, name), `echo ${name} >> "${canary}"`);
    sh(dir, 'config', 'core.hooksPath', 'myhooks');
    // The control: plain git runs them.
    sh(dir, 'commit', '-q', '--allow-empty', '-m', 'control');
    expect(existsSync(canary)).toBe(true);
    await rm(canary);

    await git(['commit', '-q', '--allow-empty', '-m', 'through factory'], {
      cwd: dir,
      env: FACTORY_IDENTITY,
    });
    await git(['update-ref', 'refs/heads/other', 'HEAD'], { cwd: dir });
    expect(sh(dir, 'log', '-1', '--format=%s')).toBe('through factory');
    expect(existsSync(canary)).toBe(false);
  });

  it('commits unsigned when the repo forces signing with a gpg program that does not exist', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    sh(dir, 'config', 'commit.gpgsign', 'true');
    sh(dir, 'config', 'tag.gpgsign', 'true');
    sh(dir, 'config', 'gpg.program', path.join(dir, 'no-such-gpg'));
    expect(() => sh(dir, 'commit', '-q', '--allow-empty', '-m', 'control')).toThrow(/gpg/);

    await git(['commit', '-q', '--allow-empty', '-m', 'unsigned'], { cwd: dir, env: FACTORY_IDENTITY });
    await git(['tag', '-a', '-m', 'tag', 'v1'], { cwd: dir, env: FACTORY_IDENTITY });
    expect(sh(dir, 'cat-file', '-p', 'HEAD')).not.toContain('gpgsig');
    expect(sh(dir, 'log', '-1', '--format=%s')).toBe('unsigned');
    expect(sh(dir, 'cat-file', '-p', 'v1')).not.toContain('PGP SIGNATURE');
  });

  it('ignores GIT_DIR and GIT_INDEX_FILE inherited from process.env', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    expect(process.env.GIT_DIR).toBe(HOSTILE.GIT_DIR);
    expect(await gitOut(['rev-parse', '--absolute-git-dir'], { cwd: dir })).toBe(path.join(dir, '.git'));
    expect(await gitOut(['ls-files'], { cwd: dir })).toBe('a.txt\nb.txt');
  });

  it('never runs a core.fsmonitor program from the user config', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    const canary = path.join(dir, 'fsmonitor-ran.log');
    const monitor = path.join(dir, 'monitor.sh');
    await script(monitor, `echo ran >> "${canary}"\nexit 1`);
    await writeFile(userConfig, `[core]\n\tfsmonitor = ${monitor}\n`);
    try {
      // The control: plain git (same user config) runs it.
      sh(dir, 'status', '--porcelain');
      expect(existsSync(canary)).toBe(true);
      await rm(canary);

      await git(['status', '--porcelain'], { cwd: dir });
      await git(['update-index', '--refresh'], { cwd: dir });
      expect(existsSync(canary)).toBe(false);
    } finally {
      await writeFile(userConfig, '');
    }
  });

  it('gives git LC_ALL=C, no inherited GIT_* or pager/editor variables, and the -c settings', async () => {
    const dir = await makeRepo();
    const env = await envSeenByGit(dir);
    expect(env.get('LC_ALL')).toBe('C');
    expect(env.get('GIT_TERMINAL_PROMPT')).toBe('0');
    expect(env.has('GIT_INDEX_FILE')).toBe(false);
    expect(env.has('GIT_WORK_TREE')).toBe(false);
    expect(env.has('PAGER')).toBe(false);
    expect(env.has('EDITOR')).toBe(false);
    const params = env.get('GIT_CONFIG_PARAMETERS') ?? '';
    for (const setting of [
      "'core.hookspath'='/dev/null'",
      "'commit.gpgsign'='false'",
      "'tag.gpgsign'='false'",
      "'gc.auto'='0'",
      "'maintenance.auto'='false'",
      "'core.fsmonitor'='false'",
    ])
      expect(params.toLowerCase()).toContain(setting.toLowerCase());
    // git's messages stay the C locale's, whatever LANGUAGE says.
    const r = await git(['rev-parse', '--verify', 'no-such-ref'], { cwd: dir, allowFail: true });
    expect(r.stderr).toBe('fatal: Needed a single revision\n');
  });
});

describe('results, stdin and errors', () => {
  it('returns the exit code with allowFail, also for a failure that prints nothing', async () => {
    const dir = await makeRepo();
    const quiet = await git(['rev-parse', '--verify', '--quiet', 'no-such-ref'], {
      cwd: dir,
      allowFail: true,
    });
    expect(quiet).toEqual({ stdout: '', stderr: '', code: 1 });
    const head = sh(dir, 'rev-parse', 'HEAD');
    const anc = await git(['merge-base', '--is-ancestor', head, head], { cwd: dir, allowFail: true });
    expect(anc.code).toBe(0);
    // Without allowFail the same silent failure throws: simple-git alone would call it a success.
    const e = await git(['rev-parse', '--verify', '--quiet', 'no-such-ref'], { cwd: dir }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(GitError);
    expect((e as GitError).code).toBe(1);
    expect((e as GitError).message).toBe(
      'git rev-parse --verify --quiet no-such-ref failed (exit 1): no output',
    );
  });

  it('throws a GitError naming the args, the exit code and stderr', async () => {
    const dir = await makeRepo();
    const e = await git(['cat-file', '-t', 'deadbeef'], { cwd: dir }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GitError);
    const g = e as GitError;
    expect(g.args).toEqual(['cat-file', '-t', 'deadbeef']);
    expect(g.code).toBe(128);
    expect(g.stderr).toBe('fatal: Not a valid object name deadbeef\n');
    expect(g.message).toBe(
      'git cat-file -t deadbeef failed (exit 128): fatal: Not a valid object name deadbeef',
    );
  });

  it('writes the input to stdin, and always closes stdin', async () => {
    const dir = await makeRepo();
    const want = sh(dir, 'hash-object', path.join(dir, 'README.md'));
    expect(await gitOut(['hash-object', '--stdin'], { cwd: dir, input: '# demo\n' })).toBe(want);
    expect(await gitOut(['hash-object', '--stdin'], { cwd: dir, input: Buffer.from('# demo\n') })).toBe(want);
    // No input, or an empty one: git reads an empty stdin instead of waiting for more.
    const empty = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';
    expect(await gitOut(['hash-object', '--stdin'], { cwd: dir })).toBe(empty);
    expect(await gitOut(['hash-object', '--stdin'], { cwd: dir, input: '' })).toBe(empty);
    await git(['update-index', '-z', '--stdin'], { cwd: dir, input: '' });
  });

  it('keeps the stdin and result of parallel calls in one directory apart', async () => {
    const dir = await makeRepo();
    const inputs = Array.from({ length: 24 }, (_, i) => `blob ${i}\n`);
    const hashes = await Promise.all(
      inputs.map((input) => gitOut(['hash-object', '--stdin'], { cwd: dir, input })),
    );
    for (const [i, input] of inputs.entries()) {
      await writeFiles(dir, { [`in-${i}`]: input });
      expect(hashes[i]).toBe(sh(dir, 'hash-object', `in-${i}`));
    }
    expect(new Set(hashes).size).toBe(inputs.length);
    const results = await Promise.all(
      inputs.map((_, i) =>
        git(['rev-parse', '--verify', i % 2 ? 'HEAD' : `nope-${i}`], { cwd: dir, allowFail: true }),
      ),
    );
    results.forEach((r, i) => expect(r.code).toBe(i % 2 ? 0 : 128));
  });

  it('reports a missing directory, also one that existed when git last ran there', async () => {
    const dir = await tempDir();
    await expect(git(['status'], { cwd: path.join(dir, 'never') })).rejects.toThrow(
      `cannot run git in ${path.join(dir, 'never')}: the directory does not exist`,
    );
    const gone = await makeRepo();
    await git(['status'], { cwd: gone });
    await rm(gone, { recursive: true, force: true });
    await expect(git(['status'], { cwd: gone })).rejects.toThrow(
      `cannot run git in ${gone}: the directory does not exist`,
    );
  });

  it('lists dirty tracked files through the typed status: changed, staged, renamed; not untracked', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'old.txt': 'o\n', 'same.txt': 's\n' });
    expect(await dirtyTracked(dir)).toEqual([]);
    await writeFiles(dir, { 'a.txt': 'changed\n', 'b.txt': 'staged\n', 'new-untracked.txt': 'n\n' });
    sh(dir, 'add', 'b.txt');
    sh(dir, 'mv', 'old.txt', 'renamed.txt');
    expect((await dirtyTracked(dir)).sort()).toEqual(['a.txt', 'b.txt', 'old.txt -> renamed.txt']);
    await expect(gitStatus(path.join(dir, '.git'))).rejects.toBeInstanceOf(GitError);
  });

  it('reports porcelain paths exactly, trailing spaces included', async () => {
    const dir = await makeRepo({ 'a.txt': 'a\n' });
    await writeFiles(dir, { 'trail ': 'x\n', ' lead': 'y\n', 'a.txt': 'changed\n' });
    expect((await worktreeEdits(dir)).sort()).toEqual([' lead', 'a.txt', 'trail ']);
    // Looked at on one thread (several statuses side by side), the same edits.
    expect((await worktreeEdits(dir, true)).sort()).toEqual([' lead', 'a.txt', 'trail ']);
  });
});

describe('the unsafe-option guard', () => {
  it('refuses options and settings that would run a program, before git starts', async () => {
    const dir = await makeRepo();
    const canary = path.join(dir, 'ran');
    const attempts: string[][] = [
      ['fetch', `--upload-pack=touch ${canary}`, 'origin'],
      ['-c', `alias.x=!touch ${canary}`, 'x'],
      ['-c', `core.sshCommand=touch ${canary}`, 'fetch', 'origin'],
      ['-c', 'protocol.ext.allow=always', 'fetch', `ext::sh -c touch% ${canary}`],
      // The hardening's own keys: their guards are open, so run.ts refuses them itself.
      ['-c', `core.hooksPath=${dir}`, 'commit', '--allow-empty', '-m', 'x'],
      ['-c', `core.fsmonitor=${canary}`, 'status'],
      ['--config-env=core.hooksPath=HOME', 'status'],
    ];
    for (const args of attempts) {
      const e = await git(args, { cwd: dir, allowFail: true }).catch((x: unknown) => x);
      expect(e, args.join(' ')).toBeInstanceOf(FactoryError);
      expect(e, args.join(' ')).not.toBeInstanceOf(GitError);
      expect((e as Error).message, args.join(' ')).toMatch(/refused/);
    }
    expect(existsSync(canary)).toBe(false);
  });

  it('refuses a guarded variable given explicitly unless factory names it', async () => {
    const dir = await makeRepo();
    await expect(git(['status'], { cwd: dir, env: { GIT_SSH_COMMAND: 'touch /tmp/x' } })).rejects.toThrow(
      /GIT_SSH_COMMAND/,
    );
    // The variables factory sets itself pass.
    await git(['write-tree'], {
      cwd: dir,
      env: { ...FACTORY_IDENTITY, GIT_INDEX_FILE: path.join(dir, 'x.index') },
    });
    expect(existsSync(path.join(dir, 'x.index'))).toBe(true);
  });
});

describe('the process limit', () => {
  const release: string[] = [];
  afterEach(async () => {
    // A failed run must not leave shells waiting.
    for (const f of release.splice(0)) await writeFile(f, '');
  });

  it(`runs at most ${MAX_PROCESSES} git processes at once in one directory`, async () => {
    const dir = await makeRepo();
    const slots = path.join(dir, 'slots');
    const go = path.join(dir, 'go');
    release.push(go);
    await mkdir(slots);
    // Each call registers, then waits until MAX_PROCESSES are running at once (or it is released):
    // the most ever seen together is the limit.
    await script(
      path.join(dir, 'slot.sh'),
      [
        `touch "${slots}/$$"`,
        `ls "${slots}" | wc -l >> "${dir}/counts"`,
        `while [ ! -e "${go}" ]; do`,
        `  [ "$(ls "${slots}" | wc -l)" -ge ${MAX_PROCESSES} ] && touch "${go}"`,
        '  sleep 0.02',
        'done',
        `ls "${slots}" | wc -l >> "${dir}/counts"`,
        `rm "${slots}/$$"`,
      ].join('\n'),
    );
    sh(dir, 'config', 'alias.slot', `!${path.join(dir, 'slot.sh')}`);
    await Promise.all(Array.from({ length: MAX_PROCESSES + 4 }, () => git(['slot'], { cwd: dir })));
    const counts = (await readFile(path.join(dir, 'counts'), 'utf8')).trim().split('\n').map(Number);
    expect(Math.max(...counts)).toBe(MAX_PROCESSES);
  });
});
