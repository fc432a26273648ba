import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';

/** The environment without inherited GIT_* variables, for test-side git calls. */
export function cleanGitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return env;
}

/** git with both output streams and the exit code, for commands whose stderr matters (fsck). */
export function gitAll(cwd: string, ...args: string[]) {
  const r = spawnSync('git', args, { cwd, env: cleanGitEnv(), encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout.replace(/\n$/, ''), out: `${r.stdout}${r.stderr}` };
}

/** fsck must pass; dangling objects (a commit written but never referenced) are fine. */
export function expectFsckClean(dir: string, label?: string): void {
  const r = gitAll(dir, 'fsck', '--strict', '--no-progress');
  expect(r.out, label).not.toMatch(/error|missing|broken|corrupt|fatal|invalid/i);
  expect(r.code, label).toBe(0);
}

/** Content hashes of the given files, to prove the user's tree was not touched. */
export async function snapshotFiles(root: string, files: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of files)
    out[f] = createHash('sha256')
      .update(await readFile(path.join(root, f)))
      .digest('hex');
  return out;
}
