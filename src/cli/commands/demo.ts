import type { Command } from 'commander';
import { cp, realpath, writeFile } from 'node:fs/promises';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { dir as tempDir, setGracefulCleanup } from 'tmp-promise';
import { packageFile } from '../../package-root.js';
import { action, emit } from '../action.js';
import { scriptedModelCommand } from '../demo-model.js';
import { git } from '../../git/run.js';
import { openRepo } from '../../git/repo.js';
import { loadConfig } from '../../config/load.js';
import { stopServer } from '../../llm/lifecycle.js';
import { freePort } from '../../llm/free-port.js';
import { serverHome } from '../../llm/state.js';
import { taskFromText } from '../../tasks/task-file.js';
import { exitCodeFor, runTasks } from '../../tasks/runner.js';
import { summaryText } from '../progress.js';
import { connectForTasks, runnerCallbacks, withCtrlC } from '../run-support.js';

const TASKS = [
  'Fix the off-by-one in paginate: pages are numbered from 1. Add a test.',
  'Add a lastPage(items, size) helper in src/last-page.js, with a test.',
];

/** Whether a `factory` command is on PATH (else the hints say how to call this one). */
function onPath(): boolean {
  // Under npx the PATH holds the package's own bin folder only for this one run.
  if (process.env.npm_command === 'exec') return false;
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir && existsSync(path.join(dir, 'factory')));
}

/** What to try in the kept demo repo. */
function exploreHints(dir: string): string[] {
  return [
    `the demo repo stays at ${dir}; explore it:`,
    ...(onPath()
      ? []
      : [`  alias factory='node ${realpathSync(process.argv[1]!)}'   # factory is not on your PATH`]),
    `  cd ${dir}`,
    '  factory review     # the review TUI: every attempt, step and diff',
    '  factory list && factory show 1 && factory diff 1.2',
    '  factory merge 1    # squash-merge the fix',
  ];
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'run the whole flow on a copy of a sample repo, against a SCRIPTED model (no real inference)',
    )
    .option('--keep', 'keep the demo repo afterwards, to explore it with factory review')
    .option('--json', 'print the summary as JSON')
    .action(
      action(async (o: { keep?: boolean; json?: boolean }) => {
        const command = scriptedModelCommand('fixtures/scripts/demo.json');
        // Removed at the end, or at exit after a second Ctrl-C, unless the user keeps it.
        if (!o.keep) setGracefulCleanup();
        const tmp = await tempDir({ prefix: 'factory-demo', unsafeCleanup: true });
        try {
          await runDemo(await realpath(tmp.path), command, o);
        } finally {
          if (!o.keep) await tmp.cleanup();
        }
      }),
    );
}

async function runDemo(dir: string, command: string[], o: { keep?: boolean; json?: boolean }): Promise<void> {
  await cp(packageFile('fixtures/demo-repo'), dir, { recursive: true });
  const identity = ['-c', 'user.name=factory demo', '-c', 'user.email=demo@factory.invalid'];
  await git(['init', '-q', '-b', 'main'], { cwd: dir });
  await git(['add', '-A'], { cwd: dir });
  await git([...identity, 'commit', '-q', '-m', 'demo project'], { cwd: dir });
  const port = await freePort();
  await writeFile(
    path.join(dir, '.factoryrc.json'),
    `${JSON.stringify(
      {
        server: {
          baseURL: `http://127.0.0.1:${port}/v1`,
          model: 'scripted-demo',
          command,
          idleShutdown: 1,
        },
        agent: { maxAttempts: 3, tools: 'text' },
        check: 'npm test --silent',
        parallel: 2,
      },
      null,
      2,
    )}\n`,
  );
  await git(['add', '.factoryrc.json'], { cwd: dir });
  await git([...identity, 'commit', '-q', '-m', 'factory config for the demo'], { cwd: dir });
  // The demo's server state stays in the demo folder, apart from any real server.
  process.env.FACTORY_STATE_DIR = path.join(dir, '.git', 'factory', 'demo-server');
  const say = (l: string) => o.json || process.stderr.write(`${l}\n`);
  say('factory demo: a SCRIPTED model plays the Coder and the Sheriff; nothing here is real inference.');
  say(`demo repo: ${dir}${o.keep ? '' : ' (removed at the end; --keep keeps it)'}`);
  const repo = await openRepo(dir);
  const { config } = await loadConfig({ repoRoot: repo.root });
  const ctx = await connectForTasks(repo, config, { json: o.json });
  try {
    const view = await runnerCallbacks({ json: o.json }, ctx);
    const outcomes = await view.settle(
      withCtrlC((signal) => runTasks(TASKS.map(taskFromText), { ...ctx, signal, ...view.callbacks }, 2)),
    );
    emit(o.json, { dir, kept: Boolean(o.keep), outcomes }, () =>
      [
        summaryText(outcomes).replace(/^next:[\s\S]*$/m, ''),
        ...(o.keep
          ? exploreHints(dir)
          : ['the demo repo is removed; to review the result yourself: factory demo --keep']),
      ].join('\n'),
    );
    process.exitCode = exitCodeFor(outcomes);
  } finally {
    await stopServer(serverHome(config.server.baseURL), 1000);
  }
}
