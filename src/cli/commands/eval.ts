import type { Command } from 'commander';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { setGracefulCleanup } from 'tmp-promise';
import { action, emit } from '../action.js';
import { openRepo, type Repo } from '../../git/repo.js';
import { loadConfig } from '../../config/load.js';
import { parseSettings } from '../../config/write-settings.js';
import { refuse } from '../../errors.js';
import { packageFile } from '../../package-root.js';
import { flavorFromCommand } from '../../llm/server-flavor.js';
import { count } from '../numeric.js';
import { connectForTasks, withCtrlC } from '../run-support.js';
import { loadSuite, parseSuite } from '../../eval/suite.js';
import { evalJobs, runEval } from '../../eval/run-eval.js';
import {
  defaultResultsDir,
  defaultResultsName,
  readResults,
  RESULTS_FORMAT,
  writeResults,
  type EvalResults,
} from '../../eval/results.js';
import { compareResults } from '../../eval/compare.js';
import { serverQuantization } from '../../eval/server-info.js';
import { comparisonText, EvalProgress, resultsTable } from '../eval-view.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface EvalFlags {
  suite: string;
  repeat?: number;
  json?: boolean;
  out?: string;
  set: string[];
  compare?: string[];
}

export function register(program: Command): void {
  program
    .command('eval')
    .description(
      'measure the agent on your server: run a suite of tasks, each in a fresh temporary repo, and save the figures',
    )
    .option(
      '--suite <name>',
      'seeds (the three published scenarios), bugs (small bug-fix repos) or all',
      'seeds',
    )
    .option('--repeat <n>', 'run each case n times; the table shows pass counts and medians', count)
    .option('--json', 'print the results as JSON instead of the table')
    .option(
      '--out <file>',
      'where to save the results (default: a timestamped file in ~/.local/share/factory/evals)',
    )
    .option(
      '--set <key=value>',
      'a setting for this eval only, e.g. --set agent.tools=text; repeatable',
      collect,
      [],
    )
    .option('--compare <files...>', 'compare two results files (A then B) instead of running')
    .action(action(async (o: EvalFlags) => (o.compare ? compare(o.compare, o.json) : runSuite(o))));
}

async function compare(files: string[], json?: boolean): Promise<void> {
  if (files.length !== 2)
    throw refuse('--compare takes two results files', 'e.g. factory eval --compare A.json B.json');
  const [a, b] = [await readResults(files[0]!), await readResults(files[1]!)];
  const c = compareResults(a, b);
  emit(json, c, () => comparisonText(c, [files[0]!, files[1]!]));
}

/** The repository around the working directory, if any: its .factoryrc.json configures the eval. */
async function cwdRepo(): Promise<Repo | undefined> {
  try {
    return await openRepo(process.cwd());
  } catch {
    return undefined;
  }
}

async function runSuite(o: EvalFlags): Promise<void> {
  const suite = parseSuite(o.suite);
  const repeat = o.repeat ?? 1;
  const settings = parseSettings(o.set);
  const overrides = Object.fromEntries(settings.map((s) => [s.key, s.raw]));
  const flagNames = Object.fromEntries(settings.map((s) => [s.key, `--set ${s.key}`]));
  const repo = await cwdRepo();
  const { config } = await loadConfig({ repoRoot: repo?.root, flags: overrides, flagNames });
  const cases = await loadSuite(packageFile('fixtures/eval'), suite);
  if (cases.length === 0) throw refuse(`the ${suite} suite has no cases in ${packageFile('fixtures/eval')}`);
  // As `factory task -n/--timeout` do: a limit set for this eval wins over a case's own.
  for (const c of cases) {
    if ('agent.maxAttempts' in overrides) c.task.maxAttempts = config.agent.maxAttempts;
    if ('agent.executionTimeout' in overrides) c.task.timeout = config.agent.executionTimeout;
  }
  const out = path.resolve(o.out ?? path.join(defaultResultsDir(), defaultResultsName(new Date())));
  // Only the prompts' override paths are read relative to this root; without a repository, the cwd.
  const promptsRoot: Repo = repo ?? {
    root: process.cwd(),
    commonDir: '',
    factoryDir: '',
    cwdTop: process.cwd(),
  };
  const ctx = await connectForTasks(promptsRoot, config, { json: o.json });
  const quantization = await serverQuantization(config.server);
  // The cases' temporary repositories go at exit too, even after a second Ctrl-C.
  setGracefulCleanup();
  const jobs = evalJobs(cases, repeat);
  const progress = o.json ? null : new EvalProgress(jobs, Boolean(process.stderr.isTTY));
  const started = new Date();
  let cancelled = false;
  const rows = await withCtrlC(async (signal) => {
    signal.addEventListener('abort', () => (cancelled = true));
    try {
      return await runEval(cases, {
        repeat,
        parallel: config.parallel,
        onStart: (job) => progress?.start(job),
        onRow: (job, row) => progress?.done(job, row),
        context: (job) => ({
          config,
          inference: ctx.inference,
          prompts: ctx.prompts,
          signal,
          callbacks: {
            onEvent: (_task, e) => progress?.event(job, e),
            onNotice: (line) => (progress ? progress.note(line) : process.stderr.write(`${line}\n`)),
          },
        }),
      });
    } finally {
      progress?.close();
    }
  });
  const a = config.agent;
  const results: EvalResults = {
    format: RESULTS_FORMAT,
    factoryVersion: String(JSON.parse(readFileSync(packageFile('package.json'), 'utf8')).version),
    date: started.toISOString(),
    suite,
    repeat,
    model: config.server.model,
    server: { baseURL: config.server.baseURL, flavor: flavorFromCommand(config.server.command) ?? null },
    quantization,
    settings: {
      tools: a.tools,
      maxAttempts: a.maxAttempts,
      maxTokensPerTurn: a.maxTokensPerTurn,
      totalTokenBudget: a.totalTokenBudget,
      executionTimeout: a.executionTimeout,
      llmTimeout: a.llmTimeout,
      temperature: a.temperature,
      parallel: config.parallel,
      overrides,
    },
    interrupted: cancelled,
    cases: rows,
  };
  await writeResults(out, results);
  emit(o.json, results, () => resultsTable(results));
  const finished = rows.filter((r) => r.status === 'passed' || r.status === 'failed').length;
  process.stderr.write(
    cancelled
      ? `stopped by Ctrl-C: the ${finished} finished run${finished === 1 ? '' : 's'} are saved in ${out}; the ${rows.length - finished} others are marked interrupted\n`
      : `results: ${out}\n`,
  );
  // As `factory task` after a cancel; a finished eval succeeds whatever its cases did (they are the data).
  if (cancelled) process.exitCode = 1;
}
