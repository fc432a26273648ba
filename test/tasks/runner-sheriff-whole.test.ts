/**
 * The Sheriff judges the task's whole change (issue 14): at a later attempt it is shown what
 * earlier attempts changed against the base, with this attempt's part on its own. Real git, the
 * real runner and loop, the real `openai` client against the scripted server over HTTP.
 */
import { afterEach, expect, it } from 'vitest';
import { openRepo } from '../../src/git/repo.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config/schema.js';
import { RequestQueue } from '../../src/llm/queue.js';
import { loadPrompts } from '../../src/agent/prompts/index.js';
import { runTasks } from '../../src/tasks/runner.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import { makeRepo } from '../helpers/git-repo.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

it("shows the Sheriff of attempt 2 the earlier attempt's edit as part of the whole change", async () => {
  const coder = { system: 'You are the Coder' };
  const server = await startScriptedServer({
    dialect: 'mlx',
    script: {
      model: 'scripted-model',
      replies: [
        { once: true, match: coder, content: 'A note first.\n\nnotes.txt\n```\nsee a.txt\n```\n' },
        {
          once: true,
          match: { system: 'You are the Sheriff' },
          content: '{"verdict":"FAIL","analysis":"a.txt is missing.","fix":"Write hello into a.txt."}',
        },
        { once: true, match: coder, content: 'a.txt\n```\nhello\n```\n' },
        {
          match: { system: 'You are the Sheriff' },
          content: '{"verdict":"PASS","analysis":"done","fix":""}',
        },
      ],
    },
  });
  servers.push(server);
  const dir = await makeRepo({ 'README.md': '# demo\n' });
  const config: Config = {
    ...DEFAULT_CONFIG,
    server: { ...DEFAULT_CONFIG.server, baseURL: server.baseURL, model: 'scripted-model', command: null },
    agent: { ...DEFAULT_CONFIG.agent, maxAttempts: 2, tools: 'text' },
    check: 'grep -qx hello a.txt',
    sandbox: { ...DEFAULT_CONFIG.sandbox, mode: 'none' },
  };
  const queue = new RequestQueue(
    [{ baseURL: server.baseURL, apiKey: 'local', model: 'scripted-model', concurrency: 1 }],
    { baseDelayMs: 1, maxDelayMs: 1 },
  );
  const [outcome] = await runTasks(
    [
      {
        title: 'write hello into a.txt',
        description: 'write hello into a.txt',
        constraints: [],
        source: 'test',
      },
    ],
    {
      repo: await openRepo(dir),
      config,
      inference: { mode: 'in-process', queue, note: '' },
      prompts: await loadPrompts(),
      signal: new AbortController().signal,
    },
    1,
  );
  expect(outcome!.outcome).toBe('passed');
  const sheriffs = server.requests
    .map((r) => (r.body as { messages: { role: string; content: string }[] }).messages)
    .filter((m) => m[0]!.content.startsWith('You are the Sheriff'))
    .map((m) => m[1]!.content);
  expect(sheriffs).toHaveLength(2);
  // Attempt 1: its change is the whole change.
  expect(sheriffs[0]).toContain("# The task's whole change against its base (all of it from this attempt)");
  expect(sheriffs[0]).toContain('+see a.txt');
  // Attempt 2: the note from attempt 1 is in the whole change; this attempt's part is a.txt only.
  const [whole, part] = sheriffs[1]!.split("# This attempt's part of it");
  expect(whole).toContain("# The task's whole change against its base (earlier attempts included)");
  expect(whole).toContain('+see a.txt');
  expect(whole).toContain('+hello');
  expect(part).toContain('+hello');
  expect(part).not.toContain('notes.txt');
});
