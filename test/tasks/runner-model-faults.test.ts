/**
 * How a task run copes with what real servers do (issue 11): a tool call cut by max_tokens,
 * a server that cannot do tools while agent.tools is "auto", and an answer that fails
 * mid-stream. Real git, the real runner and loop, the real `openai` client and an in-process
 * queue against the scripted llama-server over HTTP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openRepo } from '../../src/git/repo.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config/schema.js';
import { RequestQueue } from '../../src/llm/queue.js';
import type { Inference } from '../../src/llm/inference.js';
import { loadPrompts } from '../../src/agent/prompts/index.js';
import { loopSettings, runTasks, type TaskOutcome } from '../../src/tasks/runner.js';
import { readEvents } from '../../src/tasks/record.js';
import { transcriptLines } from '../../src/tasks/transcript.js';
import { startScriptedServer, type Script, type ScriptedServer } from '../../src/scripted-server/index.js';
import { makeRepo, sh } from '../helpers/git-repo.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const CODER = 'You are the Coder';
const SHERIFF = { match: { system: 'You are the Sheriff' }, content: 'VERDICT: PASS' };
/** The check passes once a.txt holds "hello". */
const CHECK = 'grep -qx hello a.txt';

interface Run {
  server: ScriptedServer;
  dir: string;
  outcomes: TaskOutcome[];
  notices: string[];
}

async function run(
  script: Script,
  agent: Partial<Config['agent']>,
  titles: string[] = ['write hello into a.txt'],
): Promise<Run> {
  const server = await startScriptedServer({ script, dialect: 'llamacpp' });
  servers.push(server);
  const dir = await makeRepo({ 'README.md': '# demo\n' });
  const repo = await openRepo(dir);
  const config: Config = {
    ...DEFAULT_CONFIG,
    server: { ...DEFAULT_CONFIG.server, baseURL: server.baseURL, model: 'scripted-model', command: null },
    agent: { ...DEFAULT_CONFIG.agent, maxAttempts: 1, ...agent },
    check: CHECK,
    sandbox: { ...DEFAULT_CONFIG.sandbox, mode: 'none' },
  };
  const queue = new RequestQueue(
    [{ baseURL: server.baseURL, apiKey: 'local', model: 'scripted-model', concurrency: 1 }],
    { baseDelayMs: 1, maxDelayMs: 1 },
  );
  const inference: Inference = { mode: 'in-process', queue, note: '' };
  const notices: string[] = [];
  const outcomes = await runTasks(
    titles.map((title) => ({ title, description: title, constraints: [], source: 'test' })),
    {
      repo,
      config,
      inference,
      prompts: await loadPrompts(),
      signal: new AbortController().signal,
      onNotice: (line) => notices.push(line),
    },
    1,
  );
  return { server, dir, outcomes, notices };
}

type Body = {
  tools?: unknown[];
  messages: { role: string; content: string; tool_calls?: { function: { arguments: string } }[] }[];
};
const bodies = (server: ScriptedServer) => server.requests.map((r) => r.body as Body);
const coderBodies = (server: ScriptedServer) =>
  bodies(server).filter((b) => b.messages.some((m) => m.role === 'system' && m.content.startsWith(CODER)));

describe('a tool call cut by max_tokens', () => {
  it('is never run nor replayed: the Coder is told its answer was cut off, and sends it again', async () => {
    const script: Script = {
      replies: [
        {
          match: { system: CODER, last: 'user' },
          once: true,
          toolCalls: [{ name: 'write_file', arguments: '{"path": "a.txt", "content": "hel' }],
          finish: 'length',
        },
        {
          match: { system: CODER, last: 'user', regex: 'cut off by the token limit' },
          once: true,
          toolCalls: [{ name: 'write_file', arguments: { path: 'a.txt', content: 'hello\n' } }],
        },
        { match: { system: CODER, last: 'tool' }, content: 'Written.' },
        SHERIFF,
      ],
    };
    const { server, dir, outcomes } = await run(script, { tools: 'native', maxTokensPerTurn: 512 });
    expect(outcomes[0]).toMatchObject({ outcome: 'passed' });
    expect(sh(dir, 'show', `${outcomes[0]!.branch}:a.txt`)).toBe('hello');
    const coder = coderBodies(server);
    expect(coder).toHaveLength(3);
    // The second request: the cut answer as plain text, no call, then what happened.
    const second = coder[1]!.messages;
    expect(second.at(-2)).toMatchObject({ role: 'assistant' });
    expect(second.at(-2)!.tool_calls).toBeUndefined();
    expect(second.at(-1)!.role).toBe('user');
    expect(second.at(-1)!.content).toMatch(
      /^Your answer was cut off by the token limit \(512 tokens\) in the middle of your call to write_file: its arguments are incomplete, so nothing of it was run\./,
    );
    // No request ever carried arguments that do not parse.
    for (const body of bodies(server))
      for (const m of body.messages)
        for (const c of m.tool_calls ?? []) expect(() => JSON.parse(c.function.arguments)).not.toThrow();
    // The log says the call was not run.
    const log = transcriptLines(await readEvents(await openRepo(dir), 1), { short: true });
    expect(log).toContainEqual(
      expect.stringMatching(/refused write_file: error: not run: the answer was cut off/),
    );
  });
});

const JINJA = 'tools param requires --jinja flag';

describe('agent.tools "auto" against a server that cannot do tools', () => {
  const noJinja: Script = {
    replies: [
      { match: { tools: true }, fault: { kind: 'status', status: 500, message: JINJA } },
      { match: { system: CODER }, content: 'a.txt\n```\nhello\n```\n' },
      SHERIFF,
    ],
  };

  it('switches to text edits for the rest of the run after the first refusal, and says so once', async () => {
    const { server, outcomes, notices, dir } = await run(noJinja, { tools: 'auto' }, [
      'first task',
      'second task',
    ]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['passed', 'passed']);
    // One request offered tools, was refused, and was not retried; every later one is text.
    expect(bodies(server).filter((b) => b.tools?.length)).toHaveLength(1);
    expect(server.requests.filter((r) => r.status === 500)).toHaveLength(1);
    expect(notices.filter((n) => n.includes('text blocks'))).toEqual([
      expect.stringMatching(
        /^note: llama-server at .* answered 500: tools param requires --jinja flag; agent.tools is "auto", so the Coder edits files with text blocks for the rest of this run/,
      ),
    ]);
    const log = transcriptLines(await readEvents(await openRepo(dir), 1), { short: true });
    expect(log).toContainEqual(
      expect.stringMatching(/^\[1\] note: llama-server at .* tools param requires --jinja flag/),
    );
  });

  it('with "native", fails the task at once with the hint to add --jinja', async () => {
    const { server, outcomes } = await run(noJinja, { tools: 'native' });
    expect(outcomes[0]).toMatchObject({ outcome: 'error', inferenceDown: false });
    expect(outcomes[0]!.reason).toMatch(
      /answered 500: tools param requires --jinja flag — llama-server takes tools only with --jinja/,
    );
    expect(server.requests).toHaveLength(1);
  });

  it('switches when the model keeps writing calls the server cannot parse (after one more try)', async () => {
    const script: Script = {
      replies: [
        {
          match: { tools: true },
          fault: {
            kind: 'status',
            status: 500,
            message: 'The model output does not match the expected Hermes 2 Pro format',
          },
        },
        { match: { system: CODER }, content: 'a.txt\n```\nhello\n```\n' },
        SHERIFF,
      ],
    };
    const { server, outcomes, notices } = await run(script, { tools: 'auto' });
    expect(outcomes[0]).toMatchObject({ outcome: 'passed' });
    expect(bodies(server).filter((b) => b.tools?.length)).toHaveLength(2);
    expect(notices.filter((n) => n.includes('text blocks'))).toHaveLength(1);
  });
});

describe('an answer that fails mid-stream', () => {
  it("keeps the text streamed before the error in the task's transcript", async () => {
    const script: Script = {
      replies: [
        {
          match: { system: CODER },
          content: 'Let me write the file now',
          fault: { kind: 'cut', afterChunks: 3 },
        },
        SHERIFF,
      ],
    };
    const { dir, outcomes } = await run(script, { tools: 'text' });
    expect(outcomes[0]).toMatchObject({ outcome: 'error' });
    const events = await readEvents(await openRepo(dir), 1);
    const full = transcriptLines(events).join('\n');
    expect(full).toMatch(
      /coder's answer failed mid-stream: llama-server at .* cut the answer off after 4 chunks/,
    );
    expect(full).toContain('(text so far)\n  Let me write');
    const short = transcriptLines(events, { short: true });
    expect(short).toContainEqual(expect.stringMatching(/^\[1\] coder's answer failed after 12 characters: /));
  });
});

describe('the clocks a task gives its model requests', () => {
  it('takes llmTimeout as the idle clock, and never a first-token clock shorter than it', () => {
    const rec = { maxAttempts: undefined, timeout: undefined, check: undefined } as unknown as Parameters<
      typeof loopSettings
    >[1];
    const at = (agent: Partial<Config['agent']>) =>
      loopSettings({ ...DEFAULT_CONFIG, agent: { ...DEFAULT_CONFIG.agent, ...agent } }, rec);
    expect(at({})).toMatchObject({ llmTimeoutMs: 120_000, firstTokenTimeoutMs: 300_000 });
    // A config from before agent.firstTokenTimeout, which raised llmTimeout for slow prompts.
    expect(at({ llmTimeout: 900 })).toMatchObject({ llmTimeoutMs: 900_000, firstTokenTimeoutMs: 900_000 });
    expect(at({ firstTokenTimeout: 60, llmTimeout: 30 })).toMatchObject({ firstTokenTimeoutMs: 60_000 });
  });
});
