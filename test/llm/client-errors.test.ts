/**
 * Error answers judged by their text, not only their status (src/llm/error-class.ts): a
 * permanent 500 is never retried, by the in-process queue or by the front, and its hint says
 * what to do instead of "it may have crashed". Real `openai` client, scripted llama-server over HTTP.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chat } from '../../src/llm/client.js';
import { startFront } from '../../src/llm/front.js';
import { RequestQueue } from '../../src/llm/queue.js';
import type { ChatRequest, EndpointConfig } from '../../src/llm/types.js';
import { startScriptedServer, type Script, type ScriptedServer } from '../../src/scripted-server/index.js';
import { tempDir } from '../helpers/git-repo.js';
import { failure } from '../helpers/llm-failure.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function llamaServer(script: Script): Promise<{ server: ScriptedServer; endpoint: EndpointConfig }> {
  const server = await startScriptedServer({ script, dialect: 'llamacpp' });
  cleanups.push(() => server.close());
  return {
    server,
    endpoint: { baseURL: server.baseURL, apiKey: 'local', model: 'scripted-model', concurrency: 1 },
  };
}

const failWith = (status: number, message: string): Script => ({
  default: { fault: { kind: 'status', status, message } },
});

const ask: ChatRequest = { messages: [{ role: 'user', content: 'edit the file' }], maxTokens: 64 };

/** The request through an in-process queue that retries up to 3 times, with no wait between. */
function queued(endpoint: EndpointConfig) {
  const queue = new RequestQueue([endpoint], { retries: 3, baseDelayMs: 1, maxDelayMs: 1 });
  return queue.run('task-1', (ep, signal) => chat(ep, ask, { signal }));
}

const JINJA = 'tools param requires --jinja flag';
const BAD_ARGS =
  'Failed to parse tool call arguments as JSON: [json.exception.parse_error.101] parse error at line 1, column 30: syntax error while parsing value - invalid string: missing closing quote';
const OUTPUT_FORMAT = 'The model output does not match the expected Hermes 2 Pro format';

describe('permanent 500s', () => {
  it.each([
    [
      JINJA,
      'tools-unsupported',
      /llama-server takes tools only with --jinja: add it to server.command, or set agent.tools to "text"/,
    ],
    [BAD_ARGS, 'bad-history', /could not read the conversation factory sent; it was not retried/],
    [OUTPUT_FORMAT, 'model-output', /could not parse what the model wrote .* it was not retried/],
  ])('%s: sent once, never retried, with its own hint', async (message, problem, hint) => {
    const { server, endpoint } = await llamaServer(failWith(500, message));
    const e = await failure(queued(endpoint));
    expect(e).toMatchObject({ kind: 'http', status: 500, problem, retryable: false });
    expect(e.message).toContain(message.slice(0, 60));
    expect(e.hint).toMatch(hint);
    expect(e.hint).not.toMatch(/crashed/);
    expect(server.requests).toHaveLength(1);
  });

  it('still retries a 500 whose text says nothing permanent, and points at the logs', async () => {
    const { server, endpoint } = await llamaServer({
      default: {
        content: 'fine now',
        fault: { kind: 'status', status: 500, message: 'slot unavailable', times: 1 },
      },
    });
    expect((await queued(endpoint)).content).toBe('fine now');
    expect(server.requests).toHaveLength(2);
    const { endpoint: down } = await llamaServer(failWith(500, 'Internal Server Error'));
    const e = await failure(chat(down, ask));
    expect(e).toMatchObject({ problem: 'transient', retryable: true });
    expect(e.hint).toMatch(/factory server logs/);
  });

  it("is not retried by the queue front either: the client gets the server's own answer once", async () => {
    const { server, endpoint } = await llamaServer(failWith(500, JINJA));
    const queue = new RequestQueue([endpoint], { retries: 3, baseDelayMs: 1, maxDelayMs: 1 });
    const front = await startFront({ host: '127.0.0.1', port: 0, queue, token: 'front-token' });
    cleanups.push(() => front.close());
    const viaFront = { ...endpoint, baseURL: `${front.url}/v1`, apiKey: 'front-token' };
    const e = await failure(chat(viaFront, ask));
    expect(e).toMatchObject({ status: 500, problem: 'tools-unsupported', retryable: false });
    expect(e.message).toContain(JINJA);
    expect(server.requests).toHaveLength(1);
  });
});

describe('a context overflow', () => {
  it("shows the server's own message and its numbers, with the setting to change", async () => {
    // llama-server refuses a prompt too long for a slot with this event (here inside a 200 stream).
    const dir = await tempDir('factory-overflow-');
    const body = path.join(dir, 'overflow.sse');
    const error = {
      code: 400,
      message: 'the request exceeds the available context size, try increasing it',
      type: 'exceed_context_size_error',
      n_prompt_tokens: 5210,
      n_ctx: 4096,
    };
    await writeFile(body, `data: ${JSON.stringify({ error })}\n\n`);
    const { server, endpoint } = await llamaServer({ default: { bodyFile: body } });
    const e = await failure(queued(endpoint));
    expect(e).toMatchObject({ status: 400, problem: 'context-overflow', retryable: false });
    // The server's own numbers, and its own setting to change (context-overflow.ts).
    expect(e.message).toMatch(/refused the request: its prompt is 5210 tokens and the context is 4096$/);
    expect(e.hint).toMatch(
      /^give llama-server a larger context \(-c\/--ctx-size; it is split across the -np slots\)/,
    );
    expect(server.requests).toHaveLength(1);
  });
});

describe('a 4xx that names tools', () => {
  it.each([
    ['ollama', 'registry.ollama.ai/library/gemma3:270m does not support tools'],
    ['openai', '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'],
    ['openai', 'Unrecognized request argument supplied: tools'],
  ] as const)('%s: %s is a server without tools, not retried', async (dialect, message) => {
    const server = await startScriptedServer({ script: failWith(400, message), dialect });
    cleanups.push(() => server.close());
    const endpoint = { baseURL: server.baseURL, apiKey: 'local', model: 'scripted-model', concurrency: 1 };
    const e = await failure(queued(endpoint));
    expect(e).toMatchObject({ status: 400, problem: 'tools-unsupported', retryable: false });
    expect(e.hint).toBe(
      'this server or model takes no tools: set agent.tools to "text" ("auto" switches by itself)',
    );
    expect(server.requests).toHaveLength(1);
  });

  it('a 400 that does not name tools stays a plain refusal', async () => {
    const { endpoint } = await llamaServer(failWith(400, 'invalid temperature'));
    const e = await failure(chat(endpoint, ask));
    expect(e).toMatchObject({ problem: 'refused', retryable: false });
    expect(e.hint).toBe('the server refused the request; its message above says why');
  });
});
