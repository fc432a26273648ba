import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { FactoryError } from '../errors.js';

/**
 * Settings forced on every git call: the user's hooks (husky, reference-transaction) must never
 * block or observe agent commits, signing would prompt or fail, and background gc/maintenance
 * would race with concurrent step commits in other worktrees.
 */
const HARDENING = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'commit.gpgsign=false',
  '-c',
  'tag.gpgsign=false',
  '-c',
  'gc.auto=0',
  '-c',
  'maintenance.auto=false',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'advice.detachedHead=false',
  '-c',
  'core.quotepath=false',
];

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

let baseEnv: NodeJS.ProcessEnv | undefined;

/** The caller's environment without any inherited GIT_* variable (GIT_DIR, GIT_INDEX_FILE, ...). */
export function gitEnv(): NodeJS.ProcessEnv {
  if (!baseEnv) {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
    env.GIT_TERMINAL_PROMPT = '0';
    env.GIT_OPTIONAL_LOCKS = '0';
    env.LC_ALL = 'C';
    baseEnv = env;
  }
  return baseEnv;
}

export function git(args: string[], opts: GitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...HARDENING, ...args], {
      cwd: opts.cwd,
      env: opts.env ? { ...gitEnv(), ...opts.env } : gitEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) =>
      reject(
        // spawn reports a missing working directory as ENOENT too; do not blame git for it.
        existsSync(opts.cwd)
          ? new FactoryError(`cannot run git: ${e.message}`, { hint: 'install git 2.38 or newer' })
          : new FactoryError(`cannot run git in ${opts.cwd}: the directory does not exist`),
      ),
    );
    child.stdin.on('error', () => {
      /* git may exit before reading its input; the exit code tells the story */
    });
    child.on('close', (code) => {
      const result = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: code ?? 128,
      };
      if (result.code !== 0 && !opts.allowFail) reject(new GitError(args, result.code, result.stderr));
      else resolve(result);
    });
    child.stdin.end(opts.input ?? '');
  });
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
