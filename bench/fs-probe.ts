import { writeFileSync } from 'node:fs';
import { mkdir, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const TMPFS_MAGIC = 0x01021994;

/**
 * What the scratch file system costs: `git worktree add` is mostly file creation, so this sets the
 * scale of every creation benchmark (a VM disk can be 30x slower than tmpfs or a laptop SSD).
 */
export async function describeScratch(dir: string): Promise<string> {
  const probe = path.join(dir, 'fs-probe');
  await mkdir(probe);
  const n = 300;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) writeFileSync(path.join(probe, `f${i}`), 'x'.repeat(300));
  const us = ((performance.now() - t0) * 1000) / n;
  await rm(probe, { recursive: true, force: true });
  const kind = (await statfs(dir)).type === TMPFS_MAGIC ? 'tmpfs' : 'disk';
  return `scratch ${dir} (${kind}; ${us.toFixed(0)} us per file created)`;
}
