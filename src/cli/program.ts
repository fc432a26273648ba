import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { packageFile } from '../package-root.js';
import { reportUsageErrorAsJson } from './action.js';

import * as init from './commands/init.js';
import * as config from './commands/config.js';
import * as newTask from './commands/new.js';
import * as list from './commands/list.js';
import * as show from './commands/show.js';
import * as diff from './commands/diff.js';
import * as rollback from './commands/rollback.js';
import * as merge from './commands/merge.js';
import * as discard from './commands/discard.js';
import * as prune from './commands/prune.js';
import * as server from './commands/server.js';
import * as task from './commands/task.js';
import * as log from './commands/log.js';
import * as resume from './commands/resume.js';
import * as demo from './commands/demo.js';
import * as review from './commands/review.js';

export interface CommandModule {
  register(program: Command): void;
}

const modules: CommandModule[] = [
  demo,
  init,
  config,
  task,
  resume,
  log,
  newTask,
  list,
  show,
  diff,
  rollback,
  merge,
  discard,
  prune,
  server,
  review,
];

function version(): string {
  const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8'));
  return String(pkg.version);
}

export function buildProgram(): Command {
  const program = new Command('factory')
    .description('A local coding agent: every task in its own git worktree and branch, every step a commit.')
    .version(version())
    .showSuggestionAfterError()
    .exitOverride((err) => {
      // Usage errors exit 2; --help and --version exit 0.
      reportUsageErrorAsJson(err, process.argv.slice(2));
      process.exit(err.exitCode === 0 ? 0 : 2);
    });
  for (const m of modules) m.register(program);
  review.openByDefault(program);
  return program;
}
