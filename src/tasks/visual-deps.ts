/**
 * The visual check as the loop sees it for one task (agent/phases/visual.ts): whether the task
 * gets it, its screen sizes, the look at its page, and where the design spec is kept. The
 * screenshots go to the task's folder (`visual/attempt-<n>/`), never to its branch.
 */
import path from 'node:path';
import type { Repo } from '../git/repo.js';
import type { Config } from '../config/schema.js';
import type { Inference } from '../llm/inference.js';
import type { Prompts } from '../agent/prompts/index.js';
import type { SandboxPlan } from '../agent/os-sandbox/index.js';
import type { VisualDeps } from '../agent/phases/visual.js';
import { describerServer } from '../config/describer.js';
import { findBrowser } from '../visual/browser.js';
import { isVisualTask } from '../visual/when.js';
import { lookAtPage } from '../visual/look.js';
import { FactoryError } from '../errors.js';
import { keyFor } from '../llm/front-key.js';
import { taskDir } from './paths.js';
import { writeRecord, type TaskRecord } from './record.js';

/** The folder of one attempt's screenshots and visual.json. */
export const visualDir = (repo: Repo, id: number, attempt: number) =>
  path.join(taskDir(repo, id), 'visual', `attempt-${attempt}`);

/**
 * A task that asks for the visual check cannot have it without a browser: refused before any
 * task exists, with the install command (findBrowser's message).
 */
export function refuseVisualWithoutBrowser(
  tasks: readonly { visual?: boolean }[],
  config: Pick<Config, 'visual'>,
): void {
  if (!config.visual || !tasks.some((t) => t.visual === true)) return;
  findBrowser(config.visual.browser ?? undefined);
}

export interface VisualDepsOptions {
  repo: Repo;
  /** The record the workspace keeps (the spec is written into it). */
  record: TaskRecord;
  worktree: string;
  config: Config;
  inference: Inference;
  prompts: Prompts;
  /** The queue key of the task. */
  key: string;
  sandbox: SandboxPlan;
  trackGroup: (pid: number) => () => void;
  clocks: { firstTokenMs?: number; idleTimeoutMs: number };
  onNotice?: (line: string) => void;
  /** Starts the describer's own server if it does not run (see RunnerOptions.startDescriber). */
  startDescriber?: () => Promise<void>;
}

/** Undefined when the repository has no visual check configured. */
export function visualDeps(o: VisualDepsOptions): VisualDeps | undefined {
  const visual = o.config.visual;
  if (!visual) return undefined;
  const server = describerServer(o.config)!;
  // A describer that factory runs sits behind its own queue front, which takes only its token;
  // asked per look, as the server may be started while a run goes on (by the first look that
  // needs it, when factory starts it: a run with no visual check never loads the second model).
  const describer = async () => {
    if (server.shared) return { model: server.model };
    await o.startDescriber?.();
    return {
      baseURL: server.baseURL,
      apiKey: await keyFor(server.baseURL, server.apiKey),
      model: server.model,
    };
  };
  let browser: string | null | undefined;
  const haveBrowser = () => {
    if (browser === undefined)
      try {
        browser = findBrowser(visual.browser ?? undefined);
      } catch (e) {
        if (!(e instanceof FactoryError)) throw e;
        browser = null;
        // A task that did not ask is not failed for the machine's lack of a browser.
        o.onNotice?.(`the visual check is skipped: ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
      }
    return browser !== null;
  };
  return {
    asked: o.record.visual === true,
    applies: (paths) => isVisualTask(o.record, paths, o.config) && haveBrowser(),
    viewports: visual.viewports,
    look: async (attempt, signal) =>
      lookAtPage({
        visual,
        worktree: o.worktree,
        outDir: visualDir(o.repo, o.record.id, attempt),
        inference: o.inference,
        task: o.key,
        describer: await describer(),
        prompts: o.prompts,
        signal,
        sandbox: o.sandbox,
        trackGroup: o.trackGroup,
        ...o.clocks,
      }),
    saveSpec: async (spec) => {
      o.record.spec = spec;
      await writeRecord(o.repo, o.record);
    },
  };
}
