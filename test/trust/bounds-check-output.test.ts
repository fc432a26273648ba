/**
 * Every pass over a check's output is linear and bounded: one huge line (the executor keeps its
 * first and last 64 KiB) goes through normalisation, path mentions, ANSI stripping, trimming and
 * both contexts in milliseconds. A quadratic pass took 132 s on such a line; here it would run
 * into the test's timeout.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps } from '../helpers/git-repo.js';
import { normalizeErrorTail } from '../../src/agent/stagnation.js';
import { findMentions, PathIndex } from '../../src/agent/context/files.js';
import { excerpt, keepEnds, keepHead, keepTail, stripAnsi } from '../../src/agent/context/text.js';
import { buildSheriffMessages } from '../../src/agent/context/coder.js';
import { loadPrompts } from '../../src/agent/prompts/index.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import { e2eRepo, events, MODEL, runJson } from '../e2e/support.js';

const servers: ScriptedServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await cleanupTemps();
});

/** Units whose repetition each rule or pass looks at (paths, numbers, hex, columns, escapes…). */
const UNITS = [
  'a',
  '/',
  '1',
  '.',
  '-',
  ':1',
  'a/',
  '/a',
  './',
  'a.',
  'a:1:',
  'ab1',
  '2024-',
  '1:11:',
  '0x',
  'pid ',
  'localhost:',
  '/tmp/',
  '/var/folders/',
  'a/factory/worktrees/',
  'File "',
  '\x1b[',
  '\x1b]',
  'a[',
  '.a(',
  'line 1 ',
  ' ',
  '\r',
  'x.ts:',
];
const SIZE = 128 * 1024;

describe('trust: every pass over check output is linear and bounded', () => {
  it('handles one 128 KiB line of every shape in each pass', async () => {
    const index = new PathIndex(['src/a.ts', 'src/b/c.ts', 'README.md'], '/home/u/repo');
    const prompts = await loadPrompts({}, '/nonexistent');
    for (const unit of UNITS) {
      const line = unit.repeat(Math.ceil(SIZE / unit.length));
      const out = normalizeErrorTail(line, 30, ['/home/u/repo']);
      expect(out.length).toBeLessThanOrEqual(64 * 1024);
      findMentions(line, index);
      stripAnsi(line);
      for (const keep of [keepEnds, keepHead, keepTail]) expect(keep(line, 4000).length).toBeLessThan(4100);
      excerpt(line, [1], 3000);
      const msgs = buildSheriffMessages({
        task: { title: 't', description: 'd', constraints: [], mode: 'repo' },
        prompts,
        diff: '',
        check: {
          command: 'npm test',
          exitCode: 1,
          head: line.slice(0, SIZE / 2),
          tail: line.slice(SIZE / 2),
        },
        budgetTokens: 8000,
      });
      expect(msgs[1]!.content.length).toBeLessThan(8000 * 4);
    }
  });

  it('keeps a worktree path out of the tail however long the line around it', () => {
    const pre = 'x'.repeat(100_000);
    expect(normalizeErrorTail(`${pre} /r/.git/factory/worktrees/3/a.ts:1`)).toMatch(/ <worktree>\/a\.ts:1$/);
  });

  it('through factory task: a check that prints one endless line is killed and the task returns', async () => {
    const server = await startScriptedServer({
      dialect: 'openai',
      model: MODEL,
      script: {
        replies: [
          {
            match: { system: 'You are the Sheriff' },
            content: '{"verdict":"FAIL","analysis":"a","fix":"f"}',
          },
        ],
        default: { content: 'notes.txt\n```\nnothing to fix\n```\n' },
      },
    });
    servers.push(server);
    const repo = await e2eRepo(
      { 'README.md': '# x\n' },
      {
        server: { baseURL: server.baseURL, model: MODEL, command: null },
        // No newline, ever: the output is one line until the timeout kills it.
        check: "yes aaaaaaaaaaaaaaaa/factory:1:2 | tr -d '\\n'",
        agent: { maxAttempts: 2, executionTimeout: 2, stagnationThreshold: 2, tools: 'text' },
      },
    );
    const run = await runJson(repo.dir, ['task', 'Make the check pass.']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.outcomes[0]).toMatchObject({ attempts: 2 });
    const checks = events(repo.dir, 1).filter((e) => e.type === 'check');
    expect(checks).toHaveLength(2);
    expect(checks[0]).toMatchObject({ timedOut: true });
    expect(String(checks[0]!.output).length).toBeLessThan(140 * 1024);
  });
});
