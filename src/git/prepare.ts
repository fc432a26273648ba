import { cp, lstat, mkdir, symlink, open, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { git, gitEnv } from './run.js';
import { FactoryError, refuse } from '../errors.js';
import { outputFd } from '../output-fd.js';
import type { Repo } from './repo.js';
import { sourceInside, targetInside } from './confine.js';
import { writeCopiedList } from './protected-paths.js';
import { verifyWorktreeLink } from './worktree-link.js';

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
  // Fresh from `worktree add` (or a checked pool), nothing has run in it yet: its link is trusted.
  const gitDir = await verifyWorktreeLink(repo.commonDir, dir);
  await fullCheckout(dir, gitDir);
  const copied = await copyIgnored(repo, dir, opts.copy);
  // Recorded before anything else can run, so the commits and the file tools leave these out.
  await writeCopiedList(gitDir, copied);
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

/**
 * `git worktree add` copies the main tree's sparse-checkout patterns, so a task worktree of a
 * sparse repository would miss every file outside the cone: the model would be told they do not
 * exist and a write would replace their content. Task worktrees are full checkouts; only this
 * worktree's own settings change, never the main tree's. `/*` in the worktree's own pattern file
 * marks one already made full (a pooled one, say), so that costs nothing the next time.
 */
async function fullCheckout(dir: string, gitDir: string): Promise<void> {
  const file = path.join(gitDir, 'info', 'sparse-checkout');
  const patterns = await readFile(file, 'utf8').catch(() => null);
  if (patterns === null || patterns === '/*\n') return;
  const perWorktree = await git(['config', '--bool', 'extensions.worktreeConfig'], {
    cwd: dir,
    allowFail: true,
  });
  // With per-worktree config (what `git sparse-checkout` sets up), `disable` writes only this
  // worktree's config. Without it the setting is shared, so the patterns are widened instead.
  if (perWorktree.stdout.trim() === 'true') await git(['sparse-checkout', 'disable'], { cwd: dir });
  await writeFile(file, '/*\n');
  await git(['-c', 'core.sparseCheckoutCone=false', 'read-tree', '-mu', 'HEAD'], { cwd: dir });
}

/** The files `globs` name among the main tree's ignored ones, copied in; returns their paths. */
async function copyIgnored(repo: Repo, dir: string, globs: string[]): Promise<string[]> {
  if (globs.length === 0) return [];
  const specs = globs.map((g) => `:(glob)${g.includes('/') ? g : `**/${g}`}`);
  const out = await git(['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--', ...specs], {
    cwd: repo.root,
  });
  const copied: string[] = [];
  for (const rel of out.stdout.split('\0').filter(Boolean)) {
    const src = await sourceInside(repo.root, rel, 'worktree.copy');
    const dest = await targetInside(dir, rel, 'worktree.copy');
    await cp(src, dest, { preserveTimestamps: true, force: true });
    copied.push(rel);
  }
  return copied;
}

async function linkDirs(repo: Repo, dir: string, names: string[]): Promise<void> {
  for (const name of names) {
    const rel = name.replace(/^\/+|\/+$/g, '');
    if (!existsSync(path.join(repo.root, rel))) continue;
    const src = await sourceInside(repo.root, rel, 'worktree.link');
    const dest = await targetInside(dir, rel, 'worktree.link');
    const already = await lstat(dest).catch(() => null);
    if (already) continue;
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
    const spec = wrap ? wrap(command, dir, gitEnv()) : { file: 'sh', args: ['-c', command], env: gitEnv() };
    const r = await execa(spec.file, spec.args, {
      cwd: dir,
      // Exactly the environment given (git's, or the sandbox's scrubbed one), not laid over factory's.
      env: spec.env,
      extendEnv: false,
      stdin: 'ignore',
      stdout: outputFd(log.fd),
      stderr: outputFd(log.fd),
      // The exit code is judged below; the output is in the log, not in memory.
      reject: false,
      buffer: false,
      // Part of this run: if factory exits meanwhile, execa ends the setup shell too.
      cleanup: true,
    });
    // Never spawned (a missing sandbox program, say): that is an error, not an exit code.
    if (r.exitCode === undefined && r.signal === undefined) throw r.cause ?? new Error(r.shortMessage);
    const code = r.exitCode ?? 128;
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
