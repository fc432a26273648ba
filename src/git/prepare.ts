import { cp, lstat, mkdir, symlink, open } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { git, gitEnv } from './run.js';
import { FactoryError, refuse } from '../errors.js';
import type { Repo } from './repo.js';

export interface PrepareOptions {
  /** Globs of gitignored files to copy from the main tree (e.g. `.env`). */
  copy: string[];
  /** Directories to symlink from the main tree (e.g. `node_modules`). */
  link: string[];
  /** A shell command run once in the new worktree. */
  setup: string | null;
  /** Where the setup output is written. */
  setupLog: string;
  /**
   * Turns `sh -c command` into what to spawn (the OS sandbox, in agent/os-sandbox; git/ cannot
   * import it, so the caller passes it in). Absent: plain `sh -c` with git's environment.
   */
  wrap?: (
    command: string,
    cwd: string,
    env: NodeJS.ProcessEnv,
  ) => { file: string; args: string[]; env: NodeJS.ProcessEnv };
}

/** Makes a fresh (or recycled) worktree runnable: copies, links, submodules, then setup. */
export async function prepareWorktree(repo: Repo, dir: string, opts: PrepareOptions): Promise<void> {
  await copyIgnored(repo, dir, opts.copy);
  await linkDirs(repo, dir, opts.link);
  if (existsSync(path.join(dir, '.gitmodules'))) {
    // The submodule URLs come from the user's own repository, often as local paths.
    await git(
      ['-c', 'protocol.file.allow=always', 'submodule', 'update', '--init', '--recursive', '--quiet'],
      {
        cwd: dir,
      },
    );
  }
  if (opts.setup) await runSetup(dir, opts.setup, opts.setupLog, opts.wrap);
}

async function copyIgnored(repo: Repo, dir: string, globs: string[]): Promise<void> {
  if (globs.length === 0) return;
  const specs = globs.map((g) => `:(glob)${g.includes('/') ? g : `**/${g}`}`);
  const out = await git(['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--', ...specs], {
    cwd: repo.root,
  });
  for (const rel of out.stdout.split('\0').filter(Boolean)) {
    const dest = path.join(dir, rel);
    await mkdir(path.dirname(dest), { recursive: true });
    await cp(path.join(repo.root, rel), dest, { preserveTimestamps: true, force: true });
  }
}

async function linkDirs(repo: Repo, dir: string, names: string[]): Promise<void> {
  for (const name of names) {
    const rel = name.replace(/^\/+|\/+$/g, '');
    const src = path.join(repo.root, rel);
    const dest = path.join(dir, rel);
    if (!existsSync(src)) continue;
    const already = await lstat(dest).catch(() => null);
    if (already) continue;
    await mkdir(path.dirname(dest), { recursive: true });
    await symlink(src, dest, 'dir');
  }
}

async function runSetup(
  dir: string,
  command: string,
  logFile: string,
  wrap: PrepareOptions['wrap'],
): Promise<void> {
  await mkdir(path.dirname(logFile), { recursive: true });
  const log = await open(logFile, 'a');
  try {
    await log.write(`$ ${command}\n`);
    const code = await new Promise<number>((resolve, reject) => {
      const spec = wrap ? wrap(command, dir, gitEnv()) : { file: 'sh', args: ['-c', command], env: gitEnv() };
      const child = spawn(spec.file, spec.args, {
        cwd: dir,
        env: spec.env,
        stdio: ['ignore', log.fd, log.fd],
      });
      child.on('error', reject);
      child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
    });
    if (code === 127)
      throw refuse(
        `setup command not found: ${command} (see ${logFile})`,
        'fix worktree.setup in .factoryrc.json, or set it to null',
      );
    if (code !== 0)
      throw new FactoryError(`setup command failed with exit ${code}: ${command}`, {
        hint: `its output is in ${logFile}`,
      });
  } finally {
    await log.close();
  }
}
