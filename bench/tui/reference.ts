import { spawn } from 'node:child_process';

/** The caller's environment without inherited GIT_* variables, as bench/raw-git.ts does. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return env;
}

/**
 * The reference: `git diff base tip > /dev/null`. stdout `ignore` is exactly that: Node opens
 * /dev/null as the child's stdout. Spawned asynchronously, as the product spawns git.
 */
export function gitDiffToNull(root: string, base: string, tip: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['diff', base, tip], {
      cwd: root,
      env: cleanEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`git diff ${base} ${tip} failed (${code}): ${err}`)),
    );
  });
}
