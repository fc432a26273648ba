import type { Command } from 'commander';
import { action } from '../action.js';
import { openContext } from '../context.js';
import { resumeInBackground } from '../background.js';
import { loadTui } from '../load-tui.js';
import { listTasks } from '../../tasks/summary.js';
import { plainTaskList } from '../../tui/review/plain.js';
import { visible } from '../../visible.js';

const interactive = () => Boolean(process.stdin.isTTY && process.stdout.isTTY);

async function review(o: { all?: boolean }): Promise<void> {
  // Ink and React take a third of a second to import: only the TUI pays it (not every other
  // command, nor the plain-text list), and it loads while the repository is being opened.
  const tui = interactive() ? loadTui(() => import('../../tui/review/run.js')) : null;
  // Should opening the repository fail first, a failed import must not surface as unhandled.
  tui?.catch(() => undefined);
  const { repo, config } = await openContext();
  if (!tui) {
    // No terminal to draw on (a pipe, a script, CI): the list as text is the useful answer.
    // Titles and details came from models and users: shown, never obeyed by the terminal.
    process.stdout.write(visible(plainTaskList(await listTasks(repo, { all: o.all })), { multiline: true }));
    return;
  }
  // The list is read while Ink and React still load, so the first frame already shows it. Should
  // that fail, the TUI reads it again and shows the error in its place.
  const initialTasks = await listTasks(repo, { all: o.all }).catch(() => undefined);
  const { runReview } = await tui;
  await runReview({
    repo,
    config,
    all: o.all,
    initialTasks,
    resume: (id, feedback) => resumeInBackground(repo, id, feedback),
  });
}

export function register(program: Command): void {
  program
    .command('review')
    .description('the review TUI: watch tasks, read their attempts and diffs, merge, discard or roll back')
    .option('-a, --all', 'include discarded tasks')
    .action(action(review));
}

/**
 * Bare `factory` opens the review on a terminal and prints the help elsewhere. Call it after every
 * command is registered: a root action must not change how subcommands parse their arguments.
 */
export function openByDefault(program: Command): void {
  program.allowExcessArguments(true).action(
    action(async () => {
      // With a root action commander no longer rejects unknown commands by itself.
      if (program.args.length) return (program as unknown as { unknownCommand(): void }).unknownCommand();
      if (!interactive()) return program.help({ error: true });
      await review({});
    }),
  );
}
