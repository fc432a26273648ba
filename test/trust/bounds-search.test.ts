/**
 * A model-given regular expression runs in a worker under a deadline: a catastrophic pattern
 * costs the turn a couple of seconds and an error the model can read, never the process.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, makeRepo } from '../helpers/git-repo.js';
import { createFileTools } from '../../src/agent/tools/index.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import { e2eRepo, events, MODEL, runJson } from '../e2e/support.js';

const servers: ScriptedServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await cleanupTemps();
});

const EVIL = '^(a|a)*$';
const VICTIM = `${'a'.repeat(40)}!\n`;

describe('trust: a catastrophic regex given to search is stopped at its deadline', () => {
  it('returns an error the model can act on, and ordinary searches still work', async () => {
    const dir = await makeRepo({ 'a.txt': VICTIM, 'b.txt': 'price * qty\nfunction alpha() {}\n' });
    const tools = createFileTools(dir);
    const r = await tools.call('search', { pattern: EVIL, regex: true });
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/took too long and was stopped/);
    // The literal-first search falls back to the (bounded) regex too.
    const fallback = await tools.call('search', { pattern: EVIL });
    expect(fallback).toMatchObject({ ok: false });
    expect(fallback.output).toMatch(/took too long and was stopped/);
    expect((await tools.call('search', { pattern: 'price * qty' })).output).toBe('b.txt:1: price * qty');
    expect((await tools.call('search', { pattern: 'function \\w+\\(', regex: true })).output).toBe(
      'b.txt:2: function alpha() {}',
    );
    const long = await tools.call('search', { pattern: `(${'x'.repeat(1001)})`, regex: true });
    expect(long).toMatchObject({ ok: false });
    expect(long.output).toMatch(/longer than 1000 characters/);
  });

  it('through factory task: the tool result says so and the task goes on to pass', async () => {
    const server = await startScriptedServer({
      dialect: 'llamacpp',
      model: MODEL,
      script: {
        replies: [
          {
            match: { system: 'You are the Sheriff' },
            content: '{"verdict":"PASS","analysis":"ok","fix":""}',
          },
          { match: { last: 'tool' }, content: 'The search failed; nothing to change.' },
        ],
        default: { toolCalls: [{ name: 'search', arguments: { pattern: EVIL, regex: true } }] },
      },
    });
    servers.push(server);
    const repo = await e2eRepo(
      { 'a.txt': VICTIM },
      {
        server: { baseURL: server.baseURL, model: MODEL, command: null },
        check: 'true',
        agent: { maxAttempts: 1, tools: 'native' },
      },
    );
    const run = await runJson(repo.dir, ['task', 'Find the line of a.txt that is all a.']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.outcomes[0]).toMatchObject({ outcome: 'passed' });
    const search = events(repo.dir, 1).find((e) => e.type === 'edit' && e.tool === 'search');
    expect(search).toMatchObject({ ok: false });
    expect(String(search!.output)).toMatch(/took too long and was stopped/);
  });
});
