import { openSync, closeSync } from 'node:fs';
import { execa } from 'execa';
import { outputFd } from '../output-fd.js';

/**
 * Starts a command as the leader of its own process group, with stdout and stderr appended to
 * `log`, so the whole tree (a Python server and whatever it forks) can be signalled at once with
 * `killGroup` (execa's own `kill` reaches the leader alone). The result is execa's subprocess, a
 * node ChildProcess (`pid`, `exit`, `error`) that is also a promise of its result, which never
 * rejects: a server that cannot start shows as an `error` event and a failed result.
 */
export function spawnGroup(command: string[], opts: { log: string; env?: NodeJS.ProcessEnv; cwd?: string }) {
  const fd = openSync(opts.log, 'a');
  try {
    const [program, ...args] = command;
    return execa(program!, args, {
      detached: true,
      // The group is stopped on purpose (`killGroup`), never by execa when this process exits: a
      // supervisor that dies leaves it to `cleanStale`, which finds it by its recorded pid.
      cleanup: false,
      stdin: 'ignore',
      stdout: outputFd(fd),
      stderr: outputFd(fd),
      buffer: false,
      reject: false,
      // Exactly the environment given; without one, factory's own.
      env: opts.env ?? process.env,
      extendEnv: false,
      cwd: opts.cwd,
    });
  } finally {
    closeSync(fd);
  }
}

/** True while any process of the group exists (zombies included). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * SIGTERM to the whole group, then SIGKILL to whatever is left after `graceMs`. Resolves once
 * no process of the group remains (or after the SIGKILL had time to land).
 */
export async function killGroup(pgid: number, graceMs = 5000): Promise<'none' | 'term' | 'kill'> {
  if (!groupAlive(pgid)) return 'none';
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return 'term';
    await new Promise((r) => setTimeout(r, 25));
  }
  signalGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 40 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 25));
  return 'kill';
}
