import type { Command } from 'commander';
import { action, emit } from '../action.js';
import { headCommit, openRepo } from '../../git/repo.js';
import { validateRef } from '../../git/validate-ref.js';
import { loadConfig } from '../../config/load.js';
import { refuse } from '../../errors.js';
import { readTaskFile, taskFromText, type TaskInput } from '../../tasks/task-file.js';
import { exitCodeFor, runTasks } from '../../tasks/runner.js';
import { summaryText } from '../progress.js';
import { count, positiveSeconds } from '../numeric.js';
import { connectForTasks, type RunFlags, runnerCallbacks, withCtrlC } from '../run-support.js';
import { recoverFirst } from '../context.js';
import { refuseVisualWithoutConfig } from '../../visual/when.js';
import { checkEventsFlag, writeSummary } from '../run-events.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function register(program: Command): void {
  program
    .command('task')
    .description('run the Coder -> check -> Sheriff loop on one or more tasks, each in its own worktree')
    .argument('[descriptions...]', 'what to do, e.g. "Fix the off-by-one in pagination and add a test"')
    .option('-t, --task-file <file>', 'a task file (YAML or JSON); repeatable', collect, [])
    .option('--parallel <n>', 'tasks at once (default: config `parallel`)', count)
    .option('-n, --max-attempts <n>', 'attempts per task', count)
    .option('--timeout <seconds>', 'time limit for each run of the check', positiveSeconds)
    .option('-m, --model <name>', 'model name (server.model)')
    .option(
      '-c, --check <command>',
      'the check command; "" for a script task (the Coder writes a script that is run)',
    )
    .option('--base <ref>', 'start the tasks from this ref instead of HEAD')
    .option(
      '--visual',
      'give every task the visual check (screenshots judged by the Sheriff); needs `visual` in the config',
    )
    .option(
      '--plan',
      'a planner turn first: it writes a self-contained brief and may split the task into child tasks',
    )
    .option('--no-server', 'never start a model server')
    .option('--json', 'print the summary as JSON')
    .option('--events', 'with --json: one JSON line per event as it happens, the summary last (NDJSON)')
    .action(
      action(
        async (
          descriptions: string[],
          o: RunFlags & {
            taskFile: string[];
            parallel?: number;
            base?: string;
            visual?: boolean;
            plan?: boolean;
          },
        ) => {
          checkEventsFlag(o);
          const inputs: TaskInput[] = descriptions.filter((d) => d.trim()).map(taskFromText);
          for (const f of o.taskFile) inputs.push(...(await readTaskFile(f)));
          if (inputs.length === 0)
            throw refuse(
              'no task given',
              'e.g. factory task "Fix the off-by-one in pagination", or -t task.yaml',
            );
          const flags: Record<string, unknown> = {};
          if (o.model) flags['server.model'] = o.model;
          if (o.parallel) flags.parallel = o.parallel;
          if (o.maxAttempts) flags['agent.maxAttempts'] = o.maxAttempts;
          if (o.timeout) flags['agent.executionTimeout'] = o.timeout;
          const repo = await openRepo(process.cwd());
          const flagNames = { 'agent.executionTimeout': '--timeout', 'agent.maxAttempts': '--max-attempts' };
          const { config } = await loadConfig({ repoRoot: repo.root, flags, flagNames });
          // Before anything is recovered, created or contacted.
          refuseVisualWithoutConfig(
            inputs.map((t) => ({ title: t.title, visual: o.visual ? true : t.visual })),
            config,
          );
          await recoverFirst(repo, config);
          for (const t of inputs) {
            if (o.check !== undefined) t.check = o.check.trim() === '' ? null : o.check;
            if (o.maxAttempts) t.maxAttempts = config.agent.maxAttempts;
            if (o.timeout) t.timeout = config.agent.executionTimeout;
            if (o.base) t.base = o.base;
            if (o.visual) t.visual = true;
            if (o.plan) t.plan = true;
          }
          // Every base must be a commit that exists before any task is created or a model server
          // contacted: a bad one changes nothing.
          for (const base of new Set(inputs.map((t) => t.base)))
            await (base === undefined ? headCommit(repo) : validateRef(repo, base));
          const ctx = await connectForTasks(repo, config, o);
          const view = await runnerCallbacks(o, ctx);
          const outcomes = await view.settle(
            withCtrlC((signal) => runTasks(inputs, { ...ctx, signal, ...view.callbacks }, config.parallel)),
          );
          if (o.events) writeSummary(outcomes, exitCodeFor(outcomes));
          else emit(o.json, outcomes, () => summaryText(outcomes));
          process.exitCode = exitCodeFor(outcomes);
        },
      ),
    );
}
