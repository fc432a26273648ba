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
