import { existsSync } from 'node:fs';
import type { SimpleGit, StatusResult } from 'simple-git';
import { FactoryError } from '../errors.js';
import type { GitCall } from './simple.js';

export { gitEnv } from './env.js';

/**
 * simple-git (and simple.ts around it) is loaded with the first git call, not with this module:
 * many commands import code that can run git but, most of the time, reads what it needs from
 * files (`factory list`), and loading simple-git was a tenth of their start-up.
 */
let simple: Promise<[typeof import('./simple.js'), typeof import('simple-git')]> | undefined;
const loadSimple = () => (simple ??= Promise.all([import('./simple.js'), import('simple-git')]));

export interface GitOptions {
  cwd: string;
  input?: string | Buffer;
  env?: Record<string, string>;
  /** Return the result instead of throwing on a non-zero exit. */
  allowFail?: boolean;
}

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

export class GitError extends FactoryError {
  constructor(
    readonly args: string[],
    readonly code: number,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed (exit ${code}): ${stderr.trim() || 'no output'}`);
    this.name = 'GitError';
  }
}

/**
 * Config keys the hardening sets, whose simple-git guards are therefore open: a caller's own
 * `-c` (or `--config-env`) for them is refused here, so nothing can undo the hardening.
 */
const HARDENED_KEYS = new Set(['core.hookspath', 'core.fsmonitor']);

/** The global `-c`/`--config-env` settings in front of the subcommand. */
function globalConfig(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length && args[i]!.startsWith('-'); i++) {
    const a = args[i]!;
    if (a === '-c' || a === '--config-env') out.push(args[++i] ?? '');
    else if (a.startsWith('--config-env=')) out.push(a.slice('--config-env='.length));
  }
  return out;
}

function cannotRun(cwd: string, why: string): FactoryError {
  // A missing working directory fails the spawn too; do not blame git for it.
  return existsSync(cwd)
    ? new FactoryError(`cannot run git: ${why}`, { hint: 'install git 2.38 or newer' })
    : new FactoryError(`cannot run git in ${cwd}: the directory does not exist`);
}

/** One call on the instance for `opts.cwd`, with its stdin; what it returned, its stderr and exit code. */
async function run<T>(
  args: string[],
  opts: GitOptions,
  fn: (g: SimpleGit) => PromiseLike<T>,
): Promise<{ value: T; stderr: string; code: number }> {
  const settings = globalConfig(args);
  const hardened = settings.find((c) => HARDENED_KEYS.has(c.split('=')[0]!.trim().toLowerCase()));
  if (hardened !== undefined)
    throw new FactoryError(`git ${args.join(' ')} refused: ${hardened} would undo factory's hardening`);
  const call: GitCall = { input: opts.input };
  const [{ FILE_PROTOCOL, gitFor, withCall }, { GitConstructError, GitPluginError }] = await loadSimple();
  let value: T;
  try {
    const g = gitFor(opts.cwd, { env: opts.env, fileProtocol: settings.includes(FILE_PROTOCOL) });
    value = await withCall(call, () => fn(g));
  } catch (e) {
    if (e instanceof GitConstructError) throw cannotRun(opts.cwd, 'no working directory');
    if (e instanceof GitPluginError) throw new FactoryError(`git ${args.join(' ')} refused: ${e.message}`);
    throw e;
  }
  const r = call.result;
  if (!r) throw new FactoryError(`git ${args.join(' ')} ended without a result`);
  // Below zero is no git exit code: the process could not be started (its error is in stderr).
  if (r.code < 0) throw cannotRun(opts.cwd, r.stderr.split('\n')[0]!.replace(/^Error: /, ''));
  return { value, stderr: r.stderr, code: r.code };
}

/**
 * Runs git through the simple-git instance for `opts.cwd` (src/git/simple.ts: hardening, stripped
 * environment, guards, process limit). Throws GitError on a non-zero exit unless `allowFail`.
 */
export async function git(args: string[], opts: GitOptions): Promise<GitResult> {
  const { value: stdout, stderr, code } = await run(args, opts, (g) => g.raw(args));
  if (code !== 0 && !opts.allowFail) throw new GitError(args, code, stderr);
  return { stdout, stderr, code };
}

/**
 * `git status` through simple-git's typed API. Its parser trims every entry, so a path ending in
 * a space comes back without it: use it only where paths are shown, never where they are staged
 * or compared (those read `status --porcelain -z` with git()).
 */
export async function gitStatus(cwd: string, options: string[] = []): Promise<StatusResult> {
  const { value, stderr, code } = await run(['status', ...options], { cwd }, (g) => g.status(options));
  if (code !== 0) throw new GitError(['status', ...options], code, stderr);
  return value;
}

/** Runs git and returns stdout without the trailing newline. */
export async function gitOut(args: string[], opts: GitOptions): Promise<string> {
  const r = await git(args, opts);
  return r.stdout.replace(/\n$/, '');
}

/** Identity for commits the agent makes, used when the repo has none configured. */
export const FACTORY_IDENTITY = {
  GIT_AUTHOR_NAME: 'factory',
  GIT_AUTHOR_EMAIL: 'factory@localhost',
  GIT_COMMITTER_NAME: 'factory',
  GIT_COMMITTER_EMAIL: 'factory@localhost',
};
