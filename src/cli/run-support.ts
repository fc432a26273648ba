import type { Repo } from '../git/repo.js';
import type { Config } from '../config/schema.js';
import { connectInference, type Inference } from '../llm/inference.js';
import { stateDir } from '../llm/state.js';
import { loadPrompts, type Prompts } from '../agent/prompts/index.js';
import { FactoryError } from '../errors.js';
import type { RunnerOptions } from '../tasks/runner.js';
import { progressLine } from './progress.js';
import { daemonCommand } from './commands/server.js';

export interface RunFlags {
  maxAttempts?: string;
  timeout?: string;
  model?: string;
  check?: string;
  server?: boolean;
  json?: boolean;
}

/** Exit code 3: the inference server could not be reached. */
export class InferenceUnreachable extends FactoryError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: 3, hint });
  }
}

async function reachable(baseURL: string): Promise<boolean> {
  try {
    await fetch(new URL(`${baseURL.replace(/\/+$/, '')}/models`), { signal: AbortSignal.timeout(3000) });
    return true;
  } catch {
    return false;
  }
}

/** The shared pieces every run needs: inference (front or in-process queue) and the prompts. */
export async function connectForTasks(
  repo: Repo,
  config: Config,
  flags: RunFlags,
): Promise<{ repo: Repo; config: Config; inference: Inference; prompts: Prompts }> {
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
  const overrides = Object.fromEntries(
    Object.entries(config.agent.prompts).filter(([, v]) => v !== null),
  ) as Record<string, string>;
  const prompts = await loadPrompts(overrides, repo.root);
  return { repo, config, inference, prompts };
}

/** Plain progress lines on stderr (the Ink view replaces them on a TTY). */
export function runnerCallbacks(flags: RunFlags): Pick<RunnerOptions, 'onEvent'> {
  if (flags.json) return {};
  return {
    onEvent: (task, e) => {
      const line = progressLine(task, e);
      if (line) process.stderr.write(`${line}\n`);
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
    process.stderr.write('\ncancelling; press Ctrl-C again to quit at once\n');
    ctrl.abort();
  };
  process.on('SIGINT', onInt);
  try {
    return await fn(ctrl.signal);
  } finally {
    process.off('SIGINT', onInt);
  }
}
