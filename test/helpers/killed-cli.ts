import { spawn, spawnSync } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot, tempDir, tsxLoader } from './git-repo.js';
import { liveGroupMember } from './live-group.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** strace with syscall fault injection, and permission to trace (some sandboxes forbid ptrace). */
export function straceCanInject(): boolean {
  const r = spawnSync('strace', [
    '-f',
    '-qq',
    '-o',
    '/dev/null',
    '-e',
    'inject=write:signal=SIGKILL:when=2',
    'true',
  ]);
  return r.status === 0;
}

const realGit = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();

/**
 * A `git` first on PATH that runs the real one, except for the command whose arguments contain
 * KILL_MATCH: before it, during it (strace kills git at its KILL_NTH write) or right after it,
 * the whole process group of the factory command is killed with SIGKILL. A real kill -9 at a
 * chosen point, every time.
 */
export async function killerGit(): Promise<string> {
  const bin = await tempDir('factory-killer-');
  await writeFile(
    path.join(bin, 'git'),
    [
      '#!/bin/sh',
      'case " $* " in',
      '  *"$KILL_MATCH"*)',
      '    case "$KILL_WHEN" in',
      '      before) kill -9 0 ;;',
      `      during) strace -f -qq -o /dev/null -e inject=write:signal=SIGKILL:when=$KILL_NTH '${realGit}' "$@"; kill -9 0 ;;`,
      `      *) '${realGit}' "$@"; kill -9 0 ;;`,
      '    esac ;;',
      'esac',
      `exec '${realGit}' "$@"`,
      '',
    ].join('\n'),
  );
  await chmod(path.join(bin, 'git'), 0o755);
  return bin;
}

/** Runs the real CLI in its own process group with the killer git, and waits until all of it is gone. */
export async function runKilled(
  cwd: string,
  args: string[],
  kill: { match: string; when: 'before' | 'during' | 'after'; nth?: number },
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const bin = await killerGit();
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, path.join(projectRoot, 'src/cli/main.ts'), ...args],
    {
      cwd,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...env,
        NO_COLOR: '1',
        XDG_CONFIG_HOME: path.join(cwd, '.no-user-config'),
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
        KILL_MATCH: kill.match,
        KILL_WHEN: kill.when,
        KILL_NTH: String(kill.nth ?? 1),
      },
    },
  );
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += b));
  const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  while (liveGroupMember(child.pid!)) await sleep(5);
  return { ...exit, stderr };
}
