/**
 * Whole `factory task` runs through the CLI against in-process scripted servers with a small
 * context: a task that cannot fit is refused before anything exists (exit 2, with the numbers and
 * the server's setting), a 4096-token Ollama context gets only requests that fit, and a llama-server
 * that counts more tokens than factory guessed gets its overflow shrunk and retried, with a
 * reasoning model's all-thinking answer retried with a larger limit, and both told in the log.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, sh } from '../helpers/git-repo.js';
import { startScriptedServer, type Dialect, type ScriptedServer } from '../../src/scripted-server/index.js';
import type { Script } from '../../src/scripted-server/script.js';
import {
  autoServer,
  cli,
  e2eRepo,
  events,
  expectMainUntouched,
  inProcessServer,
  MODEL,
  PAGER_REPO,
  runJson,
  stopAutoServer,
} from './support.js';

const servers: ScriptedServer[] = [];
afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await cleanupTemps();
});

const FIX =
  'src/pager.js\n<<<<<<< SEARCH\n  const start = page * size;\n=======\n  const start = (page - 1) * size;\n>>>>>>> REPLACE\n';
const PASS = '{"verdict":"PASS","analysis":"pages start at 1 now","fix":""}';
const TASK = 'Fix the off-by-one in paginate in src/pager.js: pages are numbered from 1';

/** The pager repo with a long file the Coder's prompt would want whole. */
const BIG_REPO = {
  ...PAGER_REPO,
  'src/pager.js':
    PAGER_REPO['src/pager.js'] +
    Array.from({ length: 900 }, (_, i) => `export const page${i} = ${i}; // a long generated table\n`).join(
      '',
    ),
};

async function serve(dialect: Dialect, script: Script) {
  const s = await startScriptedServer({ script: { model: MODEL, ...script }, dialect });
  servers.push(s);
  return s;
}

const coder = { system: 'You are the Coder' };
const sheriff = { system: 'You are the Sheriff' };
const maxTokens = (r: ScriptedServer['requests'][number]) => (r.body as { max_tokens: number }).max_tokens;

describe('factory task fits the model context', () => {
  it('refuses a task that cannot fit a 256-token slot before creating it (exit 2, the numbers, -c/--ctx-size)', async () => {
    const server = await serve('llamacpp', { context: { size: 1024, slots: 4 }, default: { content: 'x' } });
    const repo = await e2eRepo(PAGER_REPO, { server: inProcessServer(server), check: 'node --test' });
    const r = await cli(repo.dir, ['task', TASK]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /the model's context is too small: llama-server at http:\/\/127\.0\.0\.1:\d+\/v1 has a context of 256 tokens \(\/props, n_ctx per slot of 4\), and the smallest Coder prompt needs about \d+ tokens plus 512 for the answer/,
    );
    expect(r.stderr).toMatch(
      /raise llama-server's -c\/--ctx-size \(split across its -np slots\) to at least \d+ tokens per slot/,
    );
    expect(server.requests).toHaveLength(0);
    expect(sh(repo.dir, 'branch', '--list', 'factory/*')).toBe('');
    expectMainUntouched(repo.dir, repo.head);

    // `resume` refuses the same way, before it writes the feedback or starts an attempt.
    const made = await cli(repo.dir, ['new', TASK]);
    expect(made.code, made.stderr).toBe(0);
    const before = events(repo.dir, 1).length;
    const resumed = await cli(repo.dir, ['resume', '1', '--feedback', 'go on']);
    expect(resumed.code, resumed.stderr).toBe(2);
    expect(resumed.stderr).toContain("the model's context is too small");
    expect(events(repo.dir, 1)).toHaveLength(before);
    expect(server.requests).toHaveLength(0);
  });

  it('learns the context of the llama-server it started behind its queue front', async () => {
    const { server, env } = await autoServer('llamacpp', 'context-small.json');
    const repo = await e2eRepo(PAGER_REPO, { server, check: 'node --test' });
    try {
      const r = await cli(repo.dir, ['task', TASK], env);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(
        `llama-server at ${String(server.baseURL)} has a context of 256 tokens (/props, n_ctx per slot of 4)`,
      );
      expect(sh(repo.dir, 'branch', '--list', 'factory/*')).toBe('');
    } finally {
      await stopAutoServer(repo.dir, env);
    }
  });

  it('sends only requests that fit a 4096-token Ollama context, and says when a model only thought', async () => {
    const server = await serve('ollama', {
      context: 4096,
      replies: [
        { match: sheriff, content: PASS },
        { match: coder, once: true, reasoning: 'Pages, pages. '.repeat(30), finish: 'length' },
        { match: coder, content: FIX },
      ],
    });
    const repo = await e2eRepo(BIG_REPO, {
      server: inProcessServer(server),
      check: 'node --test',
      agent: { tools: 'text', maxAttempts: 2 },
    });
    const run = await runJson(repo.dir, ['task', TASK]);
    expect(run.code, run.stderr).toBe(0);
    const o = run.outcomes[0]!;
    expect(o).toMatchObject({ outcome: 'passed', attempts: 2 });
    expect(server.requests.length).toBeGreaterThanOrEqual(4);
    // The long file filled the prompt: today's fixed budget (16k tokens) would not have fit.
    expect(server.requests[0]!.promptTokens).toBeGreaterThan(1000);
    for (const r of server.requests) {
      expect(r.status).toBe(200);
      // Ollama would cut a longer prompt without a word: every request fits, by the server's count.
      expect(r.promptTokens + maxTokens(r)).toBeLessThanOrEqual(4096);
    }
    const notes = events(repo.dir, o.id).filter((e) => e.type === 'notice');
    expect(notes.map((e) => String(e.text))).toEqual([
      expect.stringMatching(
        /^the model spent all \d+ tokens of its coder answer thinking and wrote no answer; the context \(4096 tokens\) has no room for a longer one — raise OLLAMA_CONTEXT_LENGTH on the Ollama server, or num_ctx in the model \(a Modelfile PARAMETER\), or use a model that thinks less$/,
      ),
    ]);
    // The Coder is told too, in its next prompt.
    const second = server.requests.filter((r) => JSON.stringify(r.body).includes('You are the Coder'))[1]!;
    expect(JSON.stringify(second.body)).toContain(
      'you spent your whole token limit thinking and wrote no answer',
    );
    const log = await cli(repo.dir, ['log', String(o.id)]);
    expect(log.stdout).toContain('note: the model spent all');
  });

  it('shrinks a prompt llama-server refused and retries once, and says so', async () => {
    const server = await serve('llamacpp', {
      // The server cuts text into more tokens than factory first guesses.
      context: { size: 4096, charsPerToken: 1 },
      replies: [
        { match: sheriff, content: PASS },
        { match: coder, content: FIX },
      ],
    });
    const repo = await e2eRepo(BIG_REPO, {
      server: inProcessServer(server),
      check: 'node --test',
      agent: { tools: 'text', maxAttempts: 2, maxTokensPerTurn: 1024 },
    });
    const run = await runJson(repo.dir, ['task', TASK]);
    expect(run.code, run.stderr).toBe(0);
    const o = run.outcomes[0]!;
    expect(o).toMatchObject({ outcome: 'passed', attempts: 1 });
    expect(server.requests.map((r) => r.status)).toEqual([400, 200, 200]);
    const notes = events(repo.dir, o.id)
      .filter((e) => e.type === 'notice')
      .map((e) => String(e.text));
    expect(notes).toEqual([
      expect.stringMatching(
        /^the coder prompt \(\d+ tokens\) did not fit the server's context of 4096 tokens; shrinking it and retrying once$/,
      ),
    ]);
  });

  it('retries an all-thinking answer once with twice the limit when the server has no fixed context (mlx)', async () => {
    const server = await serve('mlx', {
      replies: [
        { match: sheriff, content: PASS },
        { match: coder, once: true, reasoning: 'Pages, pages. '.repeat(30), finish: 'length' },
        { match: coder, content: FIX },
      ],
    });
    const repo = await e2eRepo(PAGER_REPO, {
      server: inProcessServer(server),
      check: 'node --test',
      agent: { tools: 'text', maxAttempts: 1, maxTokensPerTurn: 1024 },
    });
    const run = await runJson(repo.dir, ['task', TASK]);
    expect(run.code, run.stderr).toBe(0);
    expect(server.requests.map(maxTokens)).toEqual([1024, 2048, 1024]);
    const notes = events(repo.dir, run.outcomes[0]!.id).filter((e) => e.type === 'notice');
    expect(notes.map((e) => e.text)).toEqual([
      'the model spent all 1024 tokens of its coder answer thinking and wrote no answer; retrying once with max_tokens 2048',
    ]);
  });
});
