import { execFileSync } from 'node:child_process';
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { runCheck } from '../../src/agent/executor.js';
import { DEFAULT_SANDBOX_SETTINGS, resolvePlan, type SandboxPlan } from '../../src/agent/os-sandbox/index.js';
import { projectRoot } from '../../test/helpers/git-repo.js';
import { runBenchmark, selected } from '../harness.js';
import type { Suite, SuiteContext } from '../types.js';

const SUITE = 'sandbox';
/** What the sandbox may add to one run of the check (the target). */
const MAX_EXTRA_MS = 30;

/**
 * The fixture repo (fixtures/demo-repo) committed, and a linked worktree of it where factory puts
 * one (inside .git): the layout the sandbox mounts, .git link file and all.
 */
async function fixtureWorktree(tmp: string): Promise<string> {
  const root = path.join(tmp, 'sandbox-bench', 'repo');
  await mkdir(root, { recursive: true });
  await cp(path.join(projectRoot, 'fixtures/demo-repo'), root, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'fixture');
  const wt = path.join(root, '.git', 'factory', 'worktrees', '1');
  git('worktree', 'add', '-q', '-b', 'factory/1-bench', wt);
  return wt;
}

/**
 * One run of the check through the real executor in bwrap, against the same executor unsandboxed,
 * interleaved in the same run: `true` shows the sandbox's fixed cost, the fixture's `node --test`
 * a real check's.
 */
export const sandboxSuite: Suite = {
  name: SUITE,
  benchmarks: ['sandbox true', 'sandbox node --test'],
  async run(ctx: SuiteContext, report) {
    let plan: SandboxPlan;
    try {
      plan = resolvePlan(
        { ...DEFAULT_SANDBOX_SETTINGS, mode: 'bwrap' },
        { purpose: 'check', repoRoot: ctx.tmp },
      );
    } catch (e) {
      ctx.log(`sandbox suite skipped: ${(e as Error).message}`);
      return;
    }
    const wt = await fixtureWorktree(ctx.tmp);
    const checks = [
      { name: 'sandbox true', command: 'true', iterations: 60 },
      { name: 'sandbox node --test', command: 'node --test', iterations: 20 },
    ];
    for (const c of checks) {
      if (!selected(ctx, c.name)) continue;
      const once = async (sandbox?: SandboxPlan) => {
        const r = await runCheck(c.command, { cwd: wt, timeoutMs: 60_000, ...(sandbox ? { sandbox } : {}) });
        if (r.exitCode !== 0) throw new Error(`${c.command} failed (${r.exitCode}): ${r.output}`);
      };
      const m = await runBenchmark(
        {
          name: c.name,
          productLabel: `runCheck('${c.command}') in bwrap`,
          referenceLabel: `runCheck('${c.command}') unsandboxed`,
          target: { maxExtraMs: MAX_EXTRA_MS },
          iterations: ctx.quick ? Math.ceil(c.iterations / 3) : c.iterations,
          minIterations: 5,
          budgetMs: ctx.quick ? 10_000 : 30_000,
          warmup: 2,
          product: { run: () => once(plan) },
          reference: { run: () => once() },
        },
        ctx,
        SUITE,
        0,
      );
      report({
        ...m,
        notes: [
          `bwrap: ${plan.program}; network off; the check's full executor (spawn, /proc tracking, capture) on both sides`,
        ],
      });
    }
  },
};
