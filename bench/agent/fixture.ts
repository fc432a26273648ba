import type { LoopSettings } from '../../src/agent/loop.js';
import { loadPrompts, type Prompts } from '../../src/agent/prompts/index.js';
import type { TaskSpec } from '../../src/agent/types.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { openRepo, type Repo } from '../../src/git/repo.js';
import type { Inference } from '../../src/llm/inference.js';
import { RequestQueue } from '../../src/llm/queue.js';
import { createTask } from '../../src/tasks/create.js';
import { discardTask } from '../../src/tasks/discard.js';
import { loopSettings } from '../../src/tasks/runner.js';
import { TaskWorkspace } from '../../src/tasks/workspace.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import type { GeneratedRepo } from '../gen-repo.js';
import { endpointAt, MODEL } from '../llm/servers.js';
import { loopScript, pickTargets, taskSpec } from './script.js';

/** The check: trivially fast, and its own run time is taken out of every attempt anyway. */
export const CHECK = 'true';

/** What every task of one size shares, as `factory run` would set it up with no queue front running. */
export interface Bench {
  repo: Repo;
  spec: TaskSpec;
  prompts: Prompts;
  inference: Inference;
  server: ScriptedServer;
  /** The configured attempts per task (agent.maxAttempts). */
  attemptsPerTask: number;
  close(): Promise<void>;
}

/** One task, open for its loop. */
export interface OpenTask {
  id: number;
  workspace: TaskWorkspace;
  settings: LoopSettings;
}

/** The configuration's defaults: worktree pool on, so tasks after the first reuse a parked worktree. */
const WORKTREE = DEFAULT_CONFIG.worktree;

/** A scripted server that plays every attempt of a task at zero latency, and an in-process queue to it. */
export async function openBench(gen: GeneratedRepo): Promise<Bench> {
  const repo = await openRepo(gen.root);
  const targets = pickTargets(gen.files);
  const attemptsPerTask = DEFAULT_CONFIG.agent.maxAttempts;
  const server = await startScriptedServer({
    script: loopScript(targets, attemptsPerTask),
    dialect: 'mlx',
    model: MODEL,
  });
  const queue = new RequestQueue([endpointAt(server.baseURL)]);
  return {
    repo,
    spec: taskSpec(targets),
    prompts: await loadPrompts(),
    inference: { mode: 'in-process', queue, note: '' },
    server,
    attemptsPerTask,
    async close() {
      queue.close();
      await server.close();
    },
  };
}

/**
 * Creates a task and opens its workspace, as tasks/runner.ts does. Its settings are the
 * configuration's defaults but for the two limits that would end the loop early: the token
 * budget, and the same-error streak (`true` prints the same nothing every time).
 */
export async function startTask(b: Bench): Promise<OpenTask> {
  const { record } = await createTask(b.repo, WORKTREE, {
    title: b.spec.title,
    description: b.spec.description,
    constraints: b.spec.constraints,
    check: CHECK,
  });
  const workspace = await TaskWorkspace.open(b.repo, record.id, WORKTREE);
  const settings: LoopSettings = {
    ...loopSettings(DEFAULT_CONFIG, record),
    totalTokenBudget: Number.MAX_SAFE_INTEGER,
    stagnationThreshold: Number.MAX_SAFE_INTEGER,
  };
  return { id: record.id, workspace, settings };
}

/** Closes the workspace and discards the task, parking its worktree for the next one. */
export async function endTask(b: Bench, t: OpenTask): Promise<void> {
  await t.workspace.close();
  // force: whatever a cut-short run left in the worktree is kept in a commit, not a refusal.
  await discardTask(b.repo, WORKTREE, t.id, { force: true });
}
