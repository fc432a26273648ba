import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** The caller's environment without inherited GIT_* variables, as bench/raw-git.ts does. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return { ...env, ...extra };
}

/** Runs a command to its exit, output discarded; rejects on a non-zero exit. */
export function runToExit(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${[cmd, ...args].join(' ')} failed (${code}): ${err}`)),
    );
  });
}

/** The reference every start-up figure is a ratio to: a node that does nothing. */
export const nodeNoop = (cwd: string) => runToExit(process.execPath, ['-e', '0'], cwd, cleanEnv());

/** `script` (util-linux) gives the command a real terminal: a pty of the given size. */
export const hasScript = (() => {
  const r = spawnSync('script', ['--version'], { encoding: 'utf8' });
  return r.status === 0 && /util-linux/.test(r.stdout);
})();

// eslint-disable-next-line no-control-regex -- stripping terminal escapes is the point
const ESCAPES = /\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-B]|[=>78])/g;

export interface Terminal {
  /** Resolves with the ms from spawning the terminal to the first output that `frame` accepts. */
  frame: Promise<number>;
  /** Kills the program and its terminal; resolves once both are gone. */
  close(): Promise<void>;
}

/**
 * Starts `argv` on a pty of `columns` x `rows` (through `script`, `sh` and `stty`, whose own
 * cost the suite reports apart) and times its first matching frame from the spawn.
 */
export function onTerminal(
  argv: string[],
  o: { cwd: string; env: NodeJS.ProcessEnv; columns: number; rows: number; frame: (text: string) => boolean },
): Terminal {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  // `exec`: the shell becomes the program, so $$ is its pid.
  const line = `stty rows ${o.rows} cols ${o.columns}; echo "pid=$$;"; exec ${argv.map(quote).join(' ')}`;
  const t0 = performance.now();
  const child: ChildProcess = spawn('script', ['-qfec', line, '/dev/null'], {
    cwd: o.cwd,
    env: { ...o.env, SHELL: '/bin/sh' },
    // stdin stays open (and silent): at EOF script would end the session.
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let pid: number | undefined;
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const frame = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      pid ??= Number(/pid=(\d+);/.exec(out)?.[1]) || undefined;
      if (o.frame(out.replace(ESCAPES, ''))) resolve(performance.now() - t0);
    });
    void closed.then(() => reject(new Error(`${argv.join(' ')} ended before its first frame:\n${out}`)));
  });
  frame.catch(() => undefined);
  return {
    frame,
    async close() {
      for (const p of [pid, -child.pid!])
        try {
          if (p) process.kill(p, 'SIGKILL');
        } catch {
          // Already gone.
        }
      await closed;
    },
  };
}
