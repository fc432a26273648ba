/**
 * What a case needs from the machine: commands on PATH, and `python3:<module>` for a Python
 * module (the MLP seed needs numpy). A case whose needs are missing is skipped with the reason:
 * a missing tool is the machine's fault, not the model's, and must not count as a failed case.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { CaseMeta } from './suite.js';

function onPath(cmd: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .some((d) => existsSync(path.join(d, cmd)));
}

async function imports(python: string, module: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const r = await execa(python, ['-c', `import ${module}`], {
    env,
    extendEnv: false,
    reject: false,
    timeout: 30_000,
  });
  return r.exitCode === 0;
}

/** The needs of a case this machine lacks, each said as the skip reason gives it. */
export async function missingNeeds(meta: CaseMeta, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const missing: string[] = [];
  for (const need of meta.needs ?? []) {
    const [cmd, module] = need.split(':') as [string, string | undefined];
    if (!onPath(cmd, env)) missing.push(`${cmd} on PATH`);
    else if (module && !(await imports(cmd, module, env))) missing.push(`the ${cmd} module ${module}`);
  }
  return missing;
}
