/**
 * One eval case through the real runner, git and scripted server: a solved case with its
 * figures, a case whose needs are missing (skipped), and a case the runner refuses (failed, the
 * others go on).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultValues } from '../../src/config/defaults.js';
import type { Config } from '../../src/config/schema.js';
import { loadPrompts } from '../../src/agent/prompts/index.js';
import type { Inference } from '../../src/llm/inference.js';
import { RequestQueue } from '../../src/llm/queue.js';
import { runEval } from '../../src/eval/run-eval.js';
import { loadSuite, type EvalCase } from '../../src/eval/suite.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import { projectRoot } from '../helpers/git-repo.js';
import { scriptedEndpoint } from '../helpers/scripted-endpoint.js';

let server: ScriptedServer;
let calendar: EvalCase;

beforeAll(async () => {
  calendar = (await loadSuite(path.join(projectRoot, 'fixtures/eval'), 'seeds'))[0]!;
  server = await startScriptedServer({ script: [calendar.script!], dialect: 'mlx' });
});
afterAll(() => server?.close());

function context(config: Config) {
  const inference: Inference = {
    mode: 'in-process',
    queue: new RequestQueue([scriptedEndpoint(server)]),
    note: '',
  };
  return async () => ({
    config,
    inference,
    prompts: await loadPrompts(),
    signal: new AbortController().signal,
  });
}

describe('runEval', () => {
  it('runs a case in a fresh repo, verifies its final tree, and skips a case whose needs are missing', async () => {
    const config: Config = {
      ...defaultValues(),
      server: { ...defaultValues().server, baseURL: server.baseURL, command: null },
    };
    config.agent.tools = 'text';
    const needy: EvalCase = {
      ...calendar,
      name: 'needy',
      meta: { ...calendar.meta, needs: ['no-such-command-here'] },
    };
    const ctx = await context(config)();
    const rows = await runEval([calendar, needy], { repeat: 1, parallel: 2, context: () => ctx });
    expect(rows[0]).toMatchObject({
      case: 'calendar',
      status: 'passed',
      outcome: 'passed',
      attempts: 1,
      verify: { exitCode: 0, output: expect.stringContaining('calendar ok') },
      published: { attempts: 1, seconds: 22 },
      figures: { requests: 2 },
    });
    expect(rows[1]).toMatchObject({
      case: 'needy',
      status: 'skipped',
      reason: 'needs no-such-command-here on PATH',
      figures: null,
    });
  });

  it('a case the runner refuses is a failed row, and the next case still runs', async () => {
    const config: Config = {
      ...defaultValues(),
      server: { ...defaultValues().server, baseURL: server.baseURL, command: null, contextSize: 300 },
    };
    const ctx = await context(config)();
    const rows = await runEval([calendar], { repeat: 2, parallel: 1, context: () => ctx });
    expect(rows.map((r) => [r.run, r.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
    ]);
    expect(rows[0]!.reason).toMatch(/^refused: .*context/);
  });
});
