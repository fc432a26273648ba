import type { Repo } from '../git/repo.js';
import type { Config } from '../config/schema.js';
import { connectInference, type Inference } from '../llm/inference.js';
import { stateDir } from '../llm/state.js';
import { loadPrompts, type Prompts } from '../agent/prompts/index.js';
import { FactoryError } from '../errors.js';
import type { RunnerOptions, TaskOutcome } from '../tasks/runner.js';
import { progressLine } from './progress.js';
import { eventCallbacks } from './run-events.js';
import { loadTui } from './load-tui.js';
import { daemonCommand } from './commands/server.js';
import { managedDescriber } from '../config/managed-describer.js';
import { reachable } from '../llm/reachable.js';
import { describerStarter, type DescriberStarter } from './describer-start.js';

export interface RunFlags {
  maxAttempts?: number;
  timeout?: number;
  model?: string;
  check?: string;
  server?: boolean;
  json?: boolean;
  /** With --json: every event of the run as one JSON line on stdout, as it happens. */
  events?: boolean;
}

/** Exit code 3: the inference server could not be reached. */
export class InferenceUnreachable extends FactoryError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: 3, hint });
  }
}

/**
 * The shared pieces every run needs: inference (front or in-process queue) and the prompts.
 * Contacts, and may start, the model server: call it only after the repository, the configuration
 * and the arguments have been checked, so a mistyped request never starts a server.
 */
export async function connectForTasks(
  repo: Repo,
  config: Config,
  flags: RunFlags,
): Promise<{
  repo: Repo;
  config: Config;
  inference: Inference;
  prompts: Prompts;
  startDescriber?: DescriberStarter;
}> {
  let inference: Inference;
  try {
    inference = await connectInference(config.server, {
      noServer: flags.server === false,
      daemonCommand: daemonCommand(),
      stateDir: stateDir(),
      warn: (l) => process.stderr.write(`${l}\n`),
    });
  } catch (e) {
    throw new InferenceUnreachable(
      `could not start the inference server: ${(e as Error).message}`,
      (e as FactoryError).hint,
    );
  }
  if (!flags.json) process.stderr.write(`${inference.note}\n`);
  if (inference.mode === 'in-process' && !(await reachable(config.server.baseURL)))
    throw new InferenceUnreachable(
      `no inference server answers at ${config.server.baseURL}`,
      'start one with `factory server start`, or set server.baseURL (and server.command) in .factoryrc.json',
    );
  // A describer of its own is started by the first visual check that looks (not for a run that
  // never looks); with --no-server, only said once if it does not run.
  const describer = managedDescriber(config);
  if (describer && flags.server === false && !(await reachable(describer.baseURL)))
    process.stderr.write(
      `factory: the describer's server at ${describer.baseURL} is not running: visual checks get no descriptions until \`factory server start\` starts it\n`,
    );
  const overrides = Object.fromEntries(
    Object.entries(config.agent.prompts).filter(([, v]) => v !== null),
  ) as Record<string, string>;
  const prompts = await loadPrompts(overrides, repo.root);
  const startDescriber = flags.server === false ? undefined : describerStarter(config);
  return { repo, config, inference, prompts, ...(startDescriber && { startDescriber }) };
}

export interface RunView {
  callbacks: Pick<
    RunnerOptions,
    'onEvent' | 'onCoderText' | 'onStart' | 'onNotice' | 'onCreated' | 'onFinish'
  >;
  /** Waits for the run, then closes the live view (if any), so the summary prints below its last frame. */
  settle<T extends TaskOutcome | TaskOutcome[]>(run: Promise<T>): Promise<T>;
}

/** While the live view is up, notices go into it: a direct write would tear its frame. */
let liveNote: ((line: string) => void) | null = null;

function notice(line: string): void {
  if (liveNote) liveNote(line);
  else process.stderr.write(`\n${line}\n`);
}

/**
 * How the run shows progress: the live Ink view when both streams are terminals, else plain
 * lines on stderr (nothing with --json).
 */
export async function runnerCallbacks(
  flags: RunFlags,
  ctx: { inference: Inference; config: Config },
): Promise<RunView> {
  const onNotice = (line: string) => process.stderr.write(`${line}\n`);
  if (flags.json) return { callbacks: flags.events ? eventCallbacks() : { onNotice }, settle: (run) => run };
  if (!(process.stderr.isTTY && process.stdout.isTTY))
    return {
      callbacks: {
        onNotice,
        onEvent: (task, e) => {
          const line = progressLine(task, e);
          if (line) process.stderr.write(`${line}\n`);
        },
      },
      settle: (run) => run,
    };
  // Loaded only here: pipes, CI and --json never pay for Ink and React.
  const { queueMetricsSource, startLiveView } = await loadTui(() => import('../tui/live/index.js'));
  const live = startLiveView({ metrics: queueMetricsSource(ctx.inference, ctx.config.server.baseURL) });
  liveNote = live.note;
  return {
    callbacks: { ...live.callbacks, onNotice: live.note },
    settle: async (run) => {
      try {
        const result = await run;
        await live.close(Array.isArray(result) ? result : [result]);
        return result;
      } finally {
        // On an error too: its message must come after the view, not inside it.
        await live.close();
        liveNote = null;
      }
    },
  };
}

/**
 * The first Ctrl-C cancels cleanly (requests aborted, checks killed, attempts recorded as
 * cancelled); a second one exits at once.
 */
export async function withCtrlC<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctrl = new AbortController();
  const onInt = () => {
    if (ctrl.signal.aborted) process.exit(130);
    notice('cancelling; press Ctrl-C again to quit at once');
    ctrl.abort();
  };
  process.on('SIGINT', onInt);
  try {
    return await fn(ctrl.signal);
  } finally {
    process.off('SIGINT', onInt);
  }
}
