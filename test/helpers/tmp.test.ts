/**
 * The tests' temporary folders (tmp.ts): real paths, removal that is safe to repeat, and nothing
 * left behind when the process ends, whether it exits or vitest ends it with SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot, tsxLoader } from './git-repo.js';
import { tempFolder } from './tmp.js';

/** Runs a child that makes two folders (one in /var/tmp) and prints them, then `end`s. */
function child(
  end: 'exit' | 'sigterm' | 'throw',
): Promise<{ folders: string[]; code: number | null; signal: string | null }> {
  const script = `
    import { writeFileSync } from 'node:fs';
    import { tempFolder } from ${JSON.stringify(path.join(projectRoot, 'test/helpers/tmp.ts'))};
    const a = await tempFolder('factory-tmp-child');
    const b = await tempFolder('factory-tmp-child', '/var/tmp');
    writeFileSync(a.path + '/file', 'x');
    console.log(JSON.stringify([a.path, b.path]));
    if (${JSON.stringify(end)} === 'sigterm') {
      process.kill(process.pid, 'SIGTERM');
      setInterval(() => {}, 1000);
    }
    if (${JSON.stringify(end)} === 'throw') throw new Error('boom');
  `;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', tsxLoader, '--input-type=module', '-e', script], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (b) => (out += b));
    p.on('error', reject);
    p.on('close', (code, signal) => {
      const line = out.trim().split('\n').at(-1) ?? '[]';
      resolve({ folders: JSON.parse(line) as string[], code, signal });
    });
  });
}

describe('tempFolder', () => {
  it('makes a fresh folder with a real path under the parent, and removes it (twice is fine, gone is fine)', async () => {
    const a = await tempFolder('factory-tmp-test-');
    const b = await tempFolder('factory-tmp-test');
    expect(a.path).not.toBe(b.path);
    expect(realpathSync(a.path)).toBe(a.path);
    expect(path.dirname(a.path)).toBe(realpathSync(os.tmpdir()));
    expect(path.basename(a.path)).toMatch(new RegExp(`^factory-tmp-test-${process.pid}-\\w+$`));
    await writeFile(path.join(a.path, 'f'), 'x');
    await a.remove();
    await a.remove();
    expect(existsSync(a.path)).toBe(false);
    await rm(b.path, { recursive: true });
    await b.remove();
    const c = await tempFolder('factory-tmp-test', '/var/tmp');
    expect(path.dirname(c.path)).toBe(realpathSync('/var/tmp'));
    await c.remove();
  });

  it.each(['exit', 'throw', 'sigterm'] as const)(
    'leaves nothing behind when its process ends (%s)',
    async (end) => {
      const r = await child(end);
      expect(r.folders).toHaveLength(2);
      for (const f of r.folders) expect(existsSync(f), f).toBe(false);
      // SIGTERM still ends the process the way it would have without the cleanup.
      if (end === 'sigterm') expect(r.signal).toBe('SIGTERM');
      else expect(r.code).toBe(end === 'exit' ? 0 : 1);
    },
    30_000,
  );
});
