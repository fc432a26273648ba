/**
 * A reply may be at most a multiple of max_tokens (the client stops reading past it, with a
 * clear message), and what factory stores of a task (the Coder's stream, the event log) stays
 * bounded, as do `list` and `log` reading it. The scripted server serves the hostile replies
 * from a file as it sends them, so the test process never holds them either.
 */
import { existsSync, statSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chat } from '../../src/llm/client.js';
import { LlmError } from '../../src/llm/errors.js';
import { replyLimitChars } from '../../src/llm/reply-limit.js';
import { openRepo } from '../../src/git/repo.js';
import { coderStreamWriter, MAX_STREAM_FILE_CHARS, readCoderStream } from '../../src/tasks/coder-stream.js';
import type { EndpointConfig } from '../../src/llm/types.js';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';
import { startScriptedServer, type Reply, type ScriptedServer } from '../../src/scripted-server/index.js';
import { cli, e2eRepo, events, MODEL, runJson, taskDir } from '../e2e/support.js';

const servers: ScriptedServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await cleanupTemps();
});

const MiB = 1024 * 1024;
let files: { a: string; line: string; esc: string } | undefined;

/** A 1 MiB file of text, one SSE body with a line that never ends, and escape sequences. */
async function hostileFiles() {
  if (files) return files;
  const dir = await tempDir('factory-hostile-');
  files = { a: path.join(dir, 'a.txt'), line: path.join(dir, 'line.sse'), esc: path.join(dir, 'esc.txt') };
  await writeFile(files.a, `${'a'.repeat(1023)}\n`.repeat(1024));
  await writeFile(files.line, `data: {"choices":[{"index":0,"delta":{"content":"${'b'.repeat(MiB)}`);
  await writeFile(files.esc, '\x1b[2J\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07'.repeat(16 * 1024));
  return files;
}

async function serve(reply: Reply): Promise<{ server: ScriptedServer; endpoint: EndpointConfig }> {
  const server = await startScriptedServer({ dialect: 'openai', model: MODEL, script: { default: reply } });
  servers.push(server);
  return { server, endpoint: { baseURL: server.baseURL, apiKey: 'local', model: MODEL, concurrency: 1 } };
}

async function tooLarge(p: Promise<unknown>): Promise<LlmError> {
  const e = await p.then(
    () => new Error('the request succeeded'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(LlmError);
  expect((e as LlmError).kind).toBe('protocol');
  expect((e as LlmError).retryable).toBe(false);
  return e as LlmError;
}

const ask = { messages: [{ role: 'user' as const, content: 'write' }], maxTokens: 1024 };

describe('trust: a model reply is capped at a multiple of max_tokens', () => {
  it('stops a 200 MB streamed reply early, and says why', async () => {
    const f = await hostileFiles();
    const { server, endpoint } = await serve({ contentFile: f.a, repeat: 200 });
    const e = await tooLarge(chat(endpoint, ask, { timeoutMs: 60_000 }));
    expect(e.message).toMatch(
      new RegExp(`sent a reply larger than ${replyLimitChars(1024)} characters for max_tokens 1024`),
    );
    expect(e.hint).toMatch(/max_tokens/);
    // The client hung up: the server did not get to send the rest.
    await expect.poll(() => server.requests[0]?.bytesSent).toBeLessThan(64 * MiB);
    expect(server.requests[0]!.clientClosed).toBe(true);
  });

  it('stops a huge answer that does not stream, and an SSE line that never ends', async () => {
    const f = await hostileFiles();
    const whole = await serve({ contentFile: f.a, repeat: 200, stream: false });
    expect((await tooLarge(chat(whole.endpoint, ask, { timeoutMs: 60_000 }))).message).toMatch(
      /sent a reply larger than \d+ bytes on the wire/,
    );
    const line = await serve({ bodyFile: f.line, repeat: 1 });
    const endless = await serve({ bodyFile: f.a, repeat: 1 });
    expect((await tooLarge(chat(line.endpoint, ask, { timeoutMs: 60_000 }))).message).toMatch(/larger than/);
    // Plain text, no SSE field at all: not an API.
    expect((await tooLarge(chat(endless.endpoint, ask, { timeoutMs: 60_000 }))).message).toMatch(
      /did not answer like an OpenAI-compatible API/,
    );
  });

  it('still reads a reply within the cap, escape sequences and all, whole', async () => {
    const f = await hostileFiles();
    const { endpoint } = await serve({ contentFile: f.esc, chunkChars: 1000 });
    const r = await chat(endpoint, { ...ask, maxTokens: 65_536 }, { timeoutMs: 60_000 });
    expect(r.content.length).toBe(statSync(f.esc).size);
  });
});

describe('trust: what factory stores of a task, and reads back, is bounded', () => {
  it('through factory task: a 200 MB Coder reply ends the task with the reason; list and log stay small', async () => {
    const f = await hostileFiles();
    const { server } = await serve({ contentFile: f.a, repeat: 200 });
    const repo = await e2eRepo(
      { 'README.md': '# x\n' },
      {
        server: { baseURL: server.baseURL, model: MODEL, command: null },
        check: 'true',
        agent: { maxAttempts: 1, maxTokensPerTurn: 4096, tools: 'text' },
      },
    );
    const run = await runJson(repo.dir, ['task', 'Write a lot.']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.outcomes[0]).toMatchObject({ outcome: 'error' });
    expect(run.outcomes[0]!.reason).toMatch(/sent a reply larger than 65536 characters for max_tokens 4096/);
    const dir = taskDir(repo.dir, 1);
    expect(statSync(path.join(dir, 'coder-stream.txt')).size).toBeLessThanOrEqual(320 * 1024);
    expect(statSync(path.join(dir, 'events.jsonl')).size).toBeLessThan(2 * MiB);
    expect(events(repo.dir, 1).at(-1)).toMatchObject({ type: 'status', outcome: 'error' });
    const log = await cli(repo.dir, ['log', '1']);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout.length).toBeLessThan(2 * MiB);
  });

  it('list and log read an oversized log and stream file (left by an older factory) in bounded pieces', async () => {
    const repo = await e2eRepo({ 'README.md': '# x\n' }, { server: { command: null }, check: 'true' });
    const made = await cli(repo.dir, ['new', 'Old task']);
    expect(made.code, made.stderr).toBe(0);
    const dir = taskDir(repo.dir, 1);
    // One 24 MB reply event on one line, written in pieces, then an ordinary event after it.
    const file = path.join(dir, 'events.jsonl');
    await appendFile(file, '{"t":"2026-01-01T00:00:00.000Z","type":"reply","role":"Coder","content":"');
    for (let i = 0; i < 24; i++) await appendFile(file, 'c'.repeat(MiB));
    await appendFile(
      file,
      '"}\n{"t":"2026-01-01T00:00:01.000Z","type":"status","status":"failed","reason":"r"}\n',
    );
    await mkdir(dir, { recursive: true });
    for (let i = 0; i < 24; i++) await appendFile(path.join(dir, 'coder-stream.txt'), 'd'.repeat(MiB));
    expect(existsSync(file)).toBe(true);

    const log = await cli(repo.dir, ['log', '1']);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toMatch(/an event of 25165\d+ bytes was too large to show/);
    expect(log.stdout).toMatch(/status: failed \(r\)/);
    expect(log.stdout.length).toBeLessThan(64 * 1024);
    const list = await cli(repo.dir, ['list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: 1, status: 'failed' })]);
    // The review screen's live view reads only the end of the stream file.
    const r = await openRepo(repo.dir);
    expect(await readCoderStream(r, 1, 8000)).toBe('d'.repeat(8000));

    // And the writer keeps the file small however much streams through it.
    const w = coderStreamWriter(r, 1);
    w.reset();
    for (let i = 0; i < 64; i++) w.write(`${'e'.repeat(64 * 1024)}#${i}`);
    await w.close();
    const size = statSync(path.join(dir, 'coder-stream.txt')).size;
    expect(size).toBeLessThanOrEqual(MAX_STREAM_FILE_CHARS + 256);
    const tail = await readCoderStream(r, 1, 70 * 1024);
    expect(tail).toMatch(/^… \[factory: \d+ earlier characters of this turn not kept\] …\n/);
    expect(tail.endsWith('e#63')).toBe(true);
  });
});
