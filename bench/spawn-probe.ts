import type { ChildProcess } from 'node:child_process';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { performance } from 'node:perf_hooks';
import { median } from './timing.js';
import type { Breakdown } from './types.js';

/**
 * Times every subprocess an operation starts, without touching the product: `spawn` of the
 * builtin module is swapped for a timing wrapper while a probe runs, and the ESM named exports
 * are re-synced so `import { spawn } from 'node:child_process'` in src/ sees the wrapper.
 */
const cp = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
const original = cp.spawn;

interface Call {
  name: string;
  /** performance.now() at spawn and at exit. */
  start: number;
  end: number;
  ms: number;
  /** Time spent inside spawn() itself (fork/exec in this process). */
  spawnMs: number;
}

/** `git -c a=b -c c=d worktree add ...` -> `git worktree add`. */
function callName(cmd: string, args: readonly string[]): string {
  const rest = [...args];
  while (rest[0] === '-c' || rest[0]?.startsWith('--')) rest.splice(0, rest[0] === '-c' ? 2 : 1);
  const sub = rest[0] ?? '';
  const verb = ['worktree', 'submodule'].includes(sub) && rest[1] ? ` ${rest[1]}` : '';
  return `${cmd} ${sub}${verb}`;
}

function install(calls: Call[]): void {
  const wrapped = (...a: unknown[]): ChildProcess => {
    const t0 = performance.now();
    const child = (original as (...x: unknown[]) => ChildProcess)(...a);
    const spawnMs = performance.now() - t0;
    const args = Array.isArray(a[1]) ? (a[1] as string[]) : [];
    child.once('close', () => {
      const end = performance.now();
      calls.push({ name: callName(String(a[0]), args), start: t0, end, ms: end - t0, spawnMs });
    });
    return child;
  };
  cp.spawn = wrapped as typeof cp.spawn;
  syncBuiltinESMExports();
}

function uninstall(): void {
  cp.spawn = original;
  syncBuiltinESMExports();
}

interface Probed {
  totalMs: number;
  /** Wall time during which at least one subprocess was running (calls may overlap). */
  busyMs: number;
  calls: Call[];
}

function busy(calls: Call[]): number {
  let total = 0;
  let until = -Infinity;
  for (const c of [...calls].sort((x, y) => x.start - y.start)) {
    if (c.end <= until) continue;
    total += c.end - Math.max(c.start, until);
    until = c.end;
  }
  return total;
}

/** Runs `fn` with every spawn timed; returns the calls in the order they finished. */
export async function probe(fn: () => Promise<unknown>): Promise<Probed> {
  const calls: Call[] = [];
  install(calls);
  try {
    const t0 = performance.now();
    await fn();
    return { totalMs: performance.now() - t0, busyMs: busy(calls), calls };
  } finally {
    uninstall();
  }
}

/** Medians over runs of the total and of each call kind (summed within a run). */
export function summarise(runs: Probed[]): Breakdown {
  const names: string[] = [];
  for (const r of runs) for (const c of r.calls) if (!names.includes(c.name)) names.push(c.name);
  const calls = names.map((name) => {
    const per = runs.map((r) => r.calls.filter((c) => c.name === name));
    return {
      name,
      count: Math.max(...per.map((p) => p.length)),
      ms: median(per.map((p) => p.reduce((s, c) => s + c.ms, 0))),
      spawnMs: median(per.map((p) => p.reduce((s, c) => s + c.spawnMs, 0))),
    };
  });
  const totalMs = median(runs.map((r) => r.totalMs));
  const otherMs = median(runs.map((r) => r.totalMs - r.busyMs));
  return { runs: runs.length, totalMs, calls, otherMs };
}
