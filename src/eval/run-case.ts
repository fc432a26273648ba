/**
 * One run of one eval case: a fresh repository in a temporary folder holding the case's starting
 * files, the task run through the same runner as `factory task`, the case's own verify command in
 * the task's final tree, and the figures read back from the task's event log.
 */
import { cp, realpath } from 'node:fs/promises';
import path from 'node:path';
import { dir as tempDir } from 'tmp-promise';
import type { Config } from '../config/schema.js';
import { defaultValues } from '../config/defaults.js';
import type { Inference } from '../llm/inference.js';
import type { Prompts } from '../agent/prompts/index.js';
import { runCheck } from '../agent/executor.js';
import { git } from '../git/run.js';
import { openRepo } from '../git/repo.js';
import { runTasks, type RunnerOptions, type TaskOutcome } from '../tasks/runner.js';
import { readEvents } from '../tasks/record.js';
import { SandboxPlans } from '../tasks/sandbox-plans.js';
import { figuresFromEvents } from './metrics.js';
import type { CaseRun } from './results.js';
import type { EvalCase } from './suite.js';
import { missingNeeds } from './needs.js';

export interface CaseRunContext {
  config: Config;
  inference: Inference;
  prompts: Prompts;
  signal: AbortSignal;
  /** The runner's progress callbacks, for this case's task. */
  callbacks?: Pick<RunnerOptions, 'onEvent' | 'onNotice' | 'onStart'>;
}

const IDENTITY = ['-c', 'user.name=factory eval', '-c', 'user.email=eval@factory.invalid'];
/** The verify output kept in the results: its end, where test runners put the verdict. */
const VERIFY_TAIL = 2000;

/** A row for a case that did not run. */
export function notRunRow(
  c: EvalCase,
  run: number,
  status: 'skipped' | 'interrupted',
  reason: string,
): CaseRun {
  return {
    suite: c.suite,
    case: c.name,
    title: c.meta.title,
    run,
    status,
    reason,
    outcome: null,
    attempts: 0,
    verify: null,
    published: c.meta.published ?? null,
    figures: null,
  };
}

export async function runCase(c: EvalCase, run: number, ctx: CaseRunContext): Promise<CaseRun> {
  const missing = await missingNeeds(c.meta);
  if (missing.length) return notRunRow(c, run, 'skipped', `needs ${missing.join(', ')}`);
  if (ctx.signal.aborted)
    return notRunRow(c, run, 'interrupted', 'the eval was stopped before this case started');
  const tmp = await tempDir({ prefix: `factory-eval-${c.name}-`, unsafeCleanup: true });
  try {
    const dir = await realpath(tmp.path);
    const work = path.join(dir, 'repo');
    await cp(path.join(c.dir, 'repo'), work, { recursive: true });
    await git(['init', '-q', '-b', 'main'], { cwd: work });
    await git(['add', '-A'], { cwd: work });
    await git([...IDENTITY, 'commit', '-q', '--allow-empty', '-m', `eval case ${c.suite}/${c.name}`], {
      cwd: work,
    });
    const repo = await openRepo(work);
    // The user's worktree settings (setup commands, copied files) belong to their own repository.
    const config: Config = { ...ctx.config, worktree: defaultValues().worktree };
    const started = performance.now();
    let outcome: TaskOutcome | undefined;
    try {
      [outcome] = await runTasks(
        [c.task],
        {
          repo,
          config,
          inference: ctx.inference,
          prompts: ctx.prompts,
          signal: ctx.signal,
          ...ctx.callbacks,
        },
        1,
      );
    } catch (e) {
      // A case the runner refuses (its task does not fit the model's context, say) is a failed
      // case; the others still run and the results are still written.
      return {
        ...notRunRow(c, run, 'interrupted', ''),
        status: 'failed',
        reason: `refused: ${(e as Error).message}`,
      };
    }
    const wallMs = Math.round(performance.now() - started);
    if (!outcome) return notRunRow(c, run, 'interrupted', 'the eval was stopped before this case started');
    const figures = figuresFromEvents(await readEvents(repo, outcome.id), wallMs);
    const base = {
      ...notRunRow(c, run, 'interrupted', outcome.reason),
      outcome: outcome.outcome,
      attempts: outcome.attempts,
      figures,
    };
    if (outcome.outcome === 'cancelled' || ctx.signal.aborted)
      return { ...base, reason: 'stopped by Ctrl-C while it ran' };
    const verify = await verifyFinalTree(c, repo.root, outcome, path.join(dir, 'final'), config, ctx.signal);
    if (ctx.signal.aborted) return { ...base, reason: 'stopped by Ctrl-C while its verify command ran' };
    const passed = outcome.outcome === 'passed' && verify.exitCode === 0;
    return {
      ...base,
      status: passed ? 'passed' : 'failed',
      reason: passed
        ? 'the task passed and its verify command exit 0'
        : outcome.outcome !== 'passed'
          ? outcome.reason
          : `the task passed but verify failed (exit ${verify.exitCode ?? 'none'})`,
      verify,
    };
  } finally {
    await tmp.cleanup();
  }
}

/**
 * Runs the case's verify command in a checkout of the task branch's last commit, in the same OS
 * sandbox as the task's checks (it runs what the model wrote), with FACTORY_EVAL_CASE set.
 */
async function verifyFinalTree(
  c: EvalCase,
  root: string,
  outcome: TaskOutcome,
  checkout: string,
  config: Config,
  signal: AbortSignal,
): Promise<NonNullable<CaseRun['verify']>> {
  await git(['worktree', 'add', '-q', '--detach', checkout, outcome.branch], { cwd: root });
  const plan = new SandboxPlans(config, root).get(c.task.sandbox, 'check');
  // The case folder may be where the sandbox hides things (an install under $HOME or /tmp).
  const sandbox = { ...plan, readable: [...plan.readable, c.dir] };
  const timeoutS = Math.max(60, c.task.timeout ?? config.agent.executionTimeout);
  const r = await runCheck(c.meta.verify, {
    cwd: checkout,
    timeoutMs: timeoutS * 1000,
    env: { ...process.env, FACTORY_EVAL_CASE: c.dir },
    sandbox,
    signal,
  });
  return { exitCode: r.exitCode, output: r.output.slice(-VERIFY_TAIL) };
}
