import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './git-repo.js';

const dist = path.join(projectRoot, 'dist');
/** The CLI users run, as built into dist/. */
export const builtCli = path.join(dist, 'cli/main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.tsx?$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/ when any source is newer than it: terminal tests drive the CLI users run. */
export function buildIfStale(): void {
  const marker = path.join(dist, 'tui/review/run.js');
  const built = existsSync(marker) && existsSync(builtCli) ? statSync(marker).mtimeMs : 0;
  if (built > newestSource(path.join(projectRoot, 'src'))) return;
  // Another file's type error must not stop this test: tsc still writes every file.
  spawnSync(path.join(projectRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], {
    cwd: projectRoot,
    stdio: 'ignore',
  });
  if (!existsSync(marker)) throw new Error('the build did not produce dist/tui/review/run.js');
}
