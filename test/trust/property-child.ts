/**
 * Runs one factory operation (property-ops.ts) in its own process and kills itself with SIGKILL
 * at a chosen point: right before it starts its N-th git process (`between`), or just after that
 * git process started, together with it (`during`, the whole process group). Counting git
 * processes instead of waiting a random time makes the cut point the same on a slow and a fast
 * machine, so a failing seed replays.
 *
 *   node property-child.mjs <repoDir> <worktreeOptions json> <op json> <at> <between|during> [git command]
 *
 * With a git command (`read-tree`), only git processes running that command are counted.
 *
 * Prints one JSON line with the outcome when the operation ends before the cut point.
 */
import childProcess, { type ChildProcess } from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { runFactoryOp, type FactoryOp } from './property-ops.js';
import type { WorktreeOptions } from '../../src/tasks/options.js';

/** The git command in an argument list (`-c key=value` and other options before it skipped). */
function subcommand(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-c' || args[i] === '-C') i++;
    else if (!args[i]!.startsWith('-')) return args[i];
  }
  return undefined;
}

async function main(): Promise<void> {
  const [repoDir, optsJson, opJson, atArg, how, cmd] = process.argv.slice(2);
  const at = Number(atArg);
  let started = 0;
  const realSpawn = childProcess.spawn;
  // The product imports `spawn` from node:child_process; a builtin's ESM bindings follow its
  // CommonJS exports after syncBuiltinESMExports(), so this wraps every process it starts.
  const patched = ((...args: Parameters<typeof realSpawn>) => {
    if (args[0] === 'git' && (!cmd || subcommand(args[1] as string[]) === cmd) && ++started === at) {
      if (how === 'between') process.kill(process.pid, 'SIGKILL');
      const child: ChildProcess = realSpawn(...args);
      child.once('spawn', () => process.kill(-process.pid, 'SIGKILL'));
      return child;
    }
    return realSpawn(...args);
  }) as typeof realSpawn;
  childProcess.spawn = patched;
  syncBuiltinESMExports();
  try {
    const detail = await runFactoryOp(
      repoDir!,
      JSON.parse(optsJson!) as WorktreeOptions,
      JSON.parse(opJson!) as FactoryOp,
    );
    process.stdout.write(`${JSON.stringify({ ok: true, detail, gits: started })}\n`);
  } catch (e) {
    const err = e as Error & { exitCode?: number };
    process.stdout.write(
      `${JSON.stringify({ ok: false, error: `${err.name}: ${err.message}`, exitCode: err.exitCode ?? null, gits: started })}\n`,
    );
  }
}

void main().then(() => process.exit(0));
