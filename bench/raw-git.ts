import { spawn } from 'node:child_process';

/** The caller's environment without inherited GIT_* variables, as the product strips them too. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return env;
}

/**
 * Plain git, as a user would type it: no extra config. Spawned the same asynchronous way the
 * product spawns git, so both sides pay the same process-creation cost.
 */
export function rawGit(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else
        reject(new Error(`git ${args.join(' ')} failed (${code}): ${Buffer.concat(err).toString('utf8')}`));
    });
  });
}
