import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { median } from '../timing.js';

const PROJECT = fileURLToPath(new URL('../..', import.meta.url));
/** Loads what every review pays before its first render, and prints how long the imports took. */
const IMPORTS =
  "const t = performance.now(); await import('react'); await import('ink'); " +
  'process.stdout.write(String(performance.now() - t));';

/** One fresh node: its wall time from spawn to exit, and the imports' share of it. */
function once(): Promise<{ wallMs: number; importMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', IMPORTS], {
      cwd: PROJECT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve({ wallMs: performance.now() - t0, importMs: Number(out) })
        : reject(new Error(`importing ink and react in a fresh node failed (${code})`)),
    );
  });
}

/**
 * What the timed mounts leave out, since this process has Ink and React loaded already: a
 * user's `factory review` starts node and imports them first (the CLI's own modules not counted).
 */
export async function coldImportNote(): Promise<string> {
  const runs = [];
  for (let k = 0; k < 3; k++) runs.push(await once());
  const wall = median(runs.map((r) => r.wallMs)).toFixed(0);
  const imports = median(runs.map((r) => r.importMs)).toFixed(0);
  return `not timed: a fresh node importing react and ink takes ${wall} ms from spawn to exit (the imports ${imports} ms; median of 3)`;
}
