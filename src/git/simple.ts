import { AsyncLocalStorage } from 'node:async_hooks';
import { simpleGit, type SimpleGit, type SimpleGitOptions } from 'simple-git';
import { gitEnv } from './env.js';

/**
 * Settings forced on every git call: the user's hooks (husky, reference-transaction) must never
 * block or observe agent commits, signing would prompt or fail, background gc/maintenance would
 * race with concurrent step commits in other worktrees, and an fsmonitor hook would run a
 * program of the repo's choosing. simple-git passes them as `-c` before the subcommand.
 */
export const HARDENING = [
  'core.hooksPath=/dev/null',
  'commit.gpgsign=false',
  'tag.gpgsign=false',
  'gc.auto=0',
  'maintenance.auto=false',
  'core.fsmonitor=false',
  'advice.detachedHead=false',
  'core.quotepath=false',
];

/**
 * simple-git refuses a guarded variable (any GIT_*) that a caller sets explicitly unless it is
 * named here: exactly the ones factory sets (the environment base, its commit identity, the
 * worktree pinning of step commits, the private index of saved edits).
 */
const ALLOWED_ENV = [
  'GIT_TERMINAL_PROMPT',
  'GIT_OPTIONAL_LOCKS',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
];

/**
 * Variables outside GIT_* that simple-git guards too (they make git run a program). The inherited
 * environment loses them before it reaches git: simple-git would otherwise refuse every call of a
 * user who has, say, $PAGER set.
 */
const GUARDED_OTHER = new Set(['editor', 'visual', 'pager', 'ssh_askpass', 'prefix']);

/**
 * simple-git's vulnerability guard refuses `-c core.hooksPath=…` and `-c core.fsmonitor=…` unless
 * their categories are unlocked; the hardening itself sets both, so they are open on every
 * instance (run.ts refuses a caller's own setting of them). `protocol.file.allow=always` is the
 * one override factory needs (local submodules in a new worktree): open only for calls that
 * carry exactly that setting.
 */
type Unsafe = NonNullable<SimpleGitOptions['unsafe']>;
const UNSAFE: Unsafe = { allowUnsafeHooksPath: true, allowUnsafeFsMonitor: true };
const UNSAFE_WITH_FILE_PROTOCOL: Unsafe = { ...UNSAFE, allowUnsafeProtocolOverride: true };
export const FILE_PROTOCOL = 'protocol.file.allow=always';

/**
 * Git processes one instance (one directory and environment) runs at once. The widest fan-out in
 * one directory is the task summary's 8 workers; a step commit needs 2. Parallel worktrees each
 * have their own instance, so concurrent tasks are never throttled by each other; the limit only
 * stops a runaway Promise.all from forking hundreds of gits in one place.
 */
export const MAX_PROCESSES = 8;

/** What one call carries through simple-git's instance-wide hooks, and what it gets back. */
export interface GitCall {
  input?: string | Buffer;
  /** Set once git has exited: its stderr and exit code (negative when it could not start). */
  result?: { stderr: string; code: number };
}

/**
 * simple-git's `input` and `errors` hooks belong to an instance, not a call. Instances are
 * shared, so each call's stdin and result travel with the call itself: simple-git runs both hooks
 * inside the promise chain the call started.
 */
const calls = new AsyncLocalStorage<GitCall>();

/** Runs `fn` (one simple-git call) with `call` as its stdin and result holder. */
export function withCall<T>(call: GitCall, fn: () => T): T {
  return calls.run(call, fn);
}

const EMPTY = Buffer.alloc(0);

function stdinOf(): Buffer | string {
  const input = calls.getStore()?.input;
  // Always something to write, an empty buffer too: simple-git then ends stdin, so git never
  // waits for input that nobody sends.
  return input === undefined || input.length === 0 ? EMPTY : input;
}

const collect: SimpleGitOptions['errors'] = (error, result) => {
  const call = calls.getStore();
  if (!call) return error;
  call.result = {
    stderr: Buffer.concat(result.stdErr).toString('utf8'),
    // A signal leaves no exit code: 128, as git itself reports a fatal end.
    code: typeof result.exitCode === 'number' ? result.exitCode : 128,
  };
  // run.ts judges the exit code (allowFail), so simple-git hands back stdout whatever it was.
  return undefined;
};

/**
 * simple-git waits 50 ms more after a process that printed nothing (a guard for output arriving
 * after `close`). Output always ends before `close`, and most plumbing (update-index,
 * update-ref) prints nothing: an empty chunk at the end of stdout tells it that output came.
 */
function endOfOutput(_command: string, stdout: NodeJS.ReadableStream): void {
  stdout.once('end', () => stdout.emit('data', EMPTY));
}

function create(cwd: string, env: NodeJS.ProcessEnv, unsafe: Unsafe): SimpleGit {
  return simpleGit({
    baseDir: cwd,
    config: HARDENING,
    maxConcurrentProcesses: MAX_PROCESSES,
    allowEnvironment: ALLOWED_ENV,
    unsafe,
    // `exit` can come before the last output is read; only `close` means all of it arrived.
    completion: { onClose: true, onExit: false },
    input: stdinOf,
    errors: collect,
  })
    .env(env)
    .outputHandler(endOfOutput);
}

export { gitEnv };

let gitBase: NodeJS.ProcessEnv | undefined;

/** gitEnv() without the other variables simple-git guards: what every git process starts from. */
function gitProcessEnv(): NodeJS.ProcessEnv {
  if (!gitBase) {
    gitBase = {};
    for (const [k, v] of Object.entries(gitEnv())) {
      const l = k.toLowerCase();
      // simple-git compares names case-insensitively (`git_dir` counts as GIT_DIR).
      if (GUARDED_OTHER.has(l) || (l.startsWith('git_') && !ALLOWED_ENV.includes(k))) continue;
      gitBase[k] = v;
    }
  }
  return gitBase;
}

/** Instances by directory, added variables and unsafe set; the oldest is dropped past the bound. */
const instances = new Map<string, SimpleGit>();
const MAX_INSTANCES = 128;

export interface GitForOptions {
  /** Variables on top of gitEnv() (identity, GIT_DIR, GIT_INDEX_FILE...). */
  env?: Record<string, string>;
  /** Open `protocol.file.allow` for this call (see FILE_PROTOCOL). */
  fileProtocol?: boolean;
}

/**
 * The configured simple-git instance for `cwd`: hardening config, the stripped environment plus
 * `env`, the unsafe-option allow-list and the process limit. Throws simple-git's
 * GitConstructError when `cwd` does not exist.
 */
export function gitFor(cwd: string, opts: GitForOptions = {}): SimpleGit {
  let key = `${cwd}\0${opts.fileProtocol ? 1 : 0}`;
  if (opts.env) for (const [k, v] of Object.entries(opts.env)) key += `\0${k}=${v}`;
  let g = instances.get(key);
  if (g) {
    // Most recently used last, so the bound drops the one unused longest.
    instances.delete(key);
  } else {
    const env = opts.env ? { ...gitProcessEnv(), ...opts.env } : gitProcessEnv();
    g = create(cwd, env, opts.fileProtocol ? UNSAFE_WITH_FILE_PROTOCOL : UNSAFE);
    if (instances.size >= MAX_INSTANCES) instances.delete(instances.keys().next().value!);
  }
  instances.set(key, g);
  return g;
}
