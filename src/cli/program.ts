import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { packageFile } from '../package-root.js';
import { reportUsageErrorAsJson } from './action.js';

export interface CommandModule {
  register(program: Command): void;
}

const review = () => import('./commands/review.js');

/**
 * Every command's module, by the words that run it, in the order of the help. Each is imported
 * only when needed, so `factory list` never loads what `factory task` needs (openai, the agent
 * loop) and the bundle keeps each command in its own chunk.
 */
const COMMANDS: { words: string[]; load: () => Promise<CommandModule> }[] = [
  { words: ['demo'], load: () => import('./commands/demo.js') },
  { words: ['init'], load: () => import('./commands/init.js') },
  { words: ['config'], load: () => import('./commands/config.js') },
  { words: ['task'], load: () => import('./commands/task.js') },
  { words: ['eval'], load: () => import('./commands/eval.js') },
  { words: ['resume'], load: () => import('./commands/resume.js') },
  { words: ['log'], load: () => import('./commands/log.js') },
  { words: ['new'], load: () => import('./commands/new.js') },
  { words: ['list', 'ls'], load: () => import('./commands/list.js') },
  { words: ['show'], load: () => import('./commands/show.js') },
  { words: ['diff'], load: () => import('./commands/diff.js') },
  { words: ['rollback'], load: () => import('./commands/rollback.js') },
  { words: ['merge'], load: () => import('./commands/merge.js') },
  { words: ['discard'], load: () => import('./commands/discard.js') },
  { words: ['prune'], load: () => import('./commands/prune.js') },
  { words: ['server'], load: () => import('./commands/server.js') },
  { words: ['review'], load: review },
];

/** How the top-level help lists one command: all the help needs without loading its module. */
export interface CommandSummary {
  name: string;
  aliases: string[];
  term: string;
  description: string;
}

/** Written next to the bundled entry by scripts/build.mjs (see write-command-list.ts). */
const COMMAND_LIST = new URL('./commands.json', import.meta.url);

function version(): string {
  const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8'));
  return String(pkg.version);
}

function baseProgram(): Command {
  return new Command('factory')
    .description('A local coding agent: every task in its own git worktree and branch, every step a commit.')
    .version(version())
    .showSuggestionAfterError()
    .exitOverride((err) => {
      // Usage errors exit 2; --help and --version exit 0.
      reportUsageErrorAsJson(err, process.argv.slice(2));
      process.exit(err.exitCode === 0 ? 0 : 2);
    });
}

/** The program with every command registered (their modules all loaded). */
async function fullProgram(): Promise<Command> {
  const program = baseProgram();
  const modules = await Promise.all(COMMANDS.map((c) => c.load()));
  for (const m of modules) m.register(program);
  (await review()).openByDefault(program);
  return program;
}

/** What the top-level help lists, from the full program (the build writes it to commands.json). */
export async function commandList(): Promise<CommandSummary[]> {
  const program = await fullProgram();
  const help = program.createHelp();
  return help
    .visibleCommands(program)
    .filter((c) => program.commands.includes(c))
    .map((c) => ({
      name: c.name(),
      aliases: c.aliases(),
      term: help.subcommandTerm(c),
      description: help.subcommandDescription(c),
    }));
}

function readCommandList(): CommandSummary[] | null {
  try {
    return JSON.parse(readFileSync(COMMAND_LIST, 'utf8')) as CommandSummary[];
  } catch {
    return null; // Running from src/ (or a build without it): the full program answers.
  }
}

/**
 * `factory`, `factory --help` and `--version`: every command listed from commands.json, none
 * loaded, so the help costs little more than starting node. Bare `factory` still opens the review
 * on a terminal.
 */
async function briefProgram(summaries: CommandSummary[], bare: boolean): Promise<Command> {
  const program = baseProgram();
  const terms = new Map(summaries.map((s) => [s.name, s.term]));
  const help = program.createHelp();
  program.configureHelp({ subcommandTerm: (c) => terms.get(c.name()) ?? help.subcommandTerm(c) });
  for (const s of summaries)
    program.addCommand(new Command(s.name).aliases(s.aliases).description(s.description));
  // The full program's root action (bare `factory`) leaves out commander's `help` command.
  if (bare) (await review()).openByDefault(program);
  else program.helpCommand(false);
  return program;
}

const HELP_AND_VERSION = new Set(['-h', '--help', '-V', '--version']);

/** The program for these arguments: only the modules the command line needs are loaded. */
export async function buildProgram(argv: string[] = process.argv): Promise<Command> {
  const word = argv[2];
  const one = word === undefined ? undefined : COMMANDS.find((c) => c.words.includes(word));
  if (one) {
    const program = baseProgram();
    (await one.load()).register(program);
    // A module that no longer registers this word (a renamed command) falls back to all of them.
    if (program.commands.some((c) => c.name() === word || c.aliases().includes(word!))) return program;
  }
  const summaries = word === undefined || HELP_AND_VERSION.has(word) ? readCommandList() : null;
  if (summaries) return briefProgram(summaries, word === undefined);
  return fullProgram();
}
