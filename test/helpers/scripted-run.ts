import { openRepo } from '../../src/git/repo.js';
import { configSchema, DEFAULT_CONFIG, type Config } from '../../src/config/schema.js';
import { RequestQueue } from '../../src/llm/queue.js';
import { loadPrompts } from '../../src/agent/prompts/index.js';
import { runTasks, type TaskOutcome } from '../../src/tasks/runner.js';
import type { TaskInput } from '../../src/tasks/task-file.js';
import { startScriptedServer, type Script, type ScriptedServer } from '../../src/scripted-server/index.js';
import { makeRepo } from './git-repo.js';

/**
 * One task run for real: a temp repo, the scripted server over HTTP, the real `openai` client
 * through an in-process queue, the real runner and loop. The caller closes `server`.
 */
export async function scriptedRun(opts: {
  script: Script;
  task: Partial<TaskInput> & { title: string };
  agent?: Partial<Config['agent']>;
  check?: string | null;
  /** A `visual` section as a user writes it (defaults filled in by the schema). */
  visual?: Record<string, unknown>;
  /** The repo's files (default: a README). */
  files?: Record<string, string>;
  /** Tasks at once (default 1). */
  parallel?: number;
}): Promise<{
  server: ScriptedServer;
  dir: string;
  outcome: TaskOutcome;
  prompts: (role: 'Coder' | 'Sheriff') => string[];
}> {
  const server = await startScriptedServer({ dialect: 'mlx', script: opts.script });
  const dir = await makeRepo(opts.files ?? { 'README.md': '# demo\n' });
  const config: Config = {
    ...DEFAULT_CONFIG,
    server: { ...DEFAULT_CONFIG.server, baseURL: server.baseURL, model: 'scripted-model', command: null },
    agent: { ...DEFAULT_CONFIG.agent, ...opts.agent },
    check: opts.check ?? null,
    sandbox: { ...DEFAULT_CONFIG.sandbox, mode: 'none' },
    visual: opts.visual ? configSchema.parse({ visual: opts.visual }).visual : null,
  };
  const queue = new RequestQueue(
    [{ baseURL: server.baseURL, apiKey: 'local', model: 'scripted-model', concurrency: 1 }],
    { baseDelayMs: 1, maxDelayMs: 1 },
  );
  const [outcome] = await runTasks(
    [{ description: opts.task.title, constraints: [], source: 'test', ...opts.task }],
    {
      repo: await openRepo(dir),
      config,
      inference: { mode: 'in-process', queue, note: '' },
      prompts: await loadPrompts(),
      signal: new AbortController().signal,
    },
    opts.parallel ?? 1,
  );
  /** The last user message of each request to the Coder or the Sheriff, in order. */
  const prompts = (role: 'Coder' | 'Sheriff') =>
    server.requests
      .map((r) => (r.body as { messages: { role: string; content: string }[] }).messages)
      .filter((m) => m[0]!.content.startsWith(`You are the ${role}`))
      .map((m) => m.at(-1)!.content);
  return { server, dir, outcome: outcome!, prompts };
}
