/**
 * Runs every case of a suite `repeat` times, `parallel` runs at once (each in its own temporary
 * repository), and keeps a row for every run: when the eval is stopped, the runs it never
 * started are rows too, marked interrupted.
 */
import type { CaseRun } from './results.js';
import { notRunRow, runCase, type CaseRunContext } from './run-case.js';
import type { EvalCase } from './suite.js';

export interface EvalJob {
  /** Its place in the results. */
  index: number;
  case: EvalCase;
  run: number;
}

export interface EvalRunOptions {
  repeat: number;
  parallel: number;
  /** The context of each run; `callbacks` may depend on the job (progress per row). */
  context: (job: EvalJob) => CaseRunContext;
  onStart?: (job: EvalJob) => void;
  onRow?: (job: EvalJob, row: CaseRun) => void;
}

export function evalJobs(cases: readonly EvalCase[], repeat: number): EvalJob[] {
  const jobs: EvalJob[] = [];
  for (let run = 1; run <= repeat; run++)
    for (const c of cases) jobs.push({ index: jobs.length, case: c, run });
  return jobs;
}

export async function runEval(cases: readonly EvalCase[], o: EvalRunOptions): Promise<CaseRun[]> {
  const jobs = evalJobs(cases, o.repeat);
  const rows: CaseRun[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const ctx = o.context(job);
      if (!ctx.signal.aborted) o.onStart?.(job);
      rows[job.index] = await runCase(job.case, job.run, ctx);
      o.onRow?.(job, rows[job.index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.parallel, jobs.length)) }, worker));
  return jobs.map(
    (j) =>
      rows[j.index] ??
      notRunRow(j.case, j.run, 'interrupted', 'the eval was stopped before this case started'),
  );
}
