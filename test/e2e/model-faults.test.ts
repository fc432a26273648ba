/**
 * Issue 11 through the CLI: `factory task` against a llama-server without --jinja (started by
 * factory, behind the queue front) passes with agent.tools "auto" by switching to text edits,
 * and a tool call cut by max_tokens no longer ends the task as an error.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps } from '../helpers/git-repo.js';
import {
  autoServer,
  cli,
  closeInProcess,
  e2eRepo,
  fileOnBranch,
  inProcessServer,
  runJson,
  startInProcess,
  stopAutoServer,
} from './support.js';

afterAll(async () => {
  await closeInProcess();
  await cleanupTemps();
});

const FILES = { 'README.md': '# demo\n' };
const CHECK = 'grep -qx hello a.txt';

describe('factory task against what real servers do', () => {
  it('"auto" passes against llama-server without --jinja behind the front, saying once that it uses text edits', async () => {
    const { server, env } = await autoServer('llamacpp', 'e2e-no-jinja.json');
    const repo = await e2eRepo(FILES, { server, check: CHECK, agent: { maxAttempts: 1, tools: 'auto' } });
    try {
      const run = await runJson(repo.dir, ['task', 'write hello into a.txt'], env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.outcomes[0]).toMatchObject({ outcome: 'passed' });
      expect(fileOnBranch(repo.dir, run.outcomes[0]!.branch, 'a.txt')).toBe('hello');
      const notes = run.stderr.split('\n').filter((l) => l.includes('text blocks for the rest of this run'));
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatch(/tools param requires --jinja flag/);
      const log = await cli(repo.dir, ['log', '1', '--short'], env);
      // The front does not pass the server's name on yet (issue 11, defect 6): "the inference server".
      expect(log.stdout).toMatch(
        /\[1\] note: .* answered 500: tools param requires --jinja flag; agent.tools is "auto"/,
      );
    } finally {
      await stopAutoServer(repo.dir, env);
    }
  });

  it('a tool call cut by max_tokens is not run; the Coder sends it again and the task passes', async () => {
    const server = await startInProcess('llamacpp', 'e2e-cut-call.json');
    const repo = await e2eRepo(FILES, {
      server: inProcessServer(server),
      check: CHECK,
      agent: { maxAttempts: 1, tools: 'native' },
    });
    const run = await runJson(repo.dir, ['task', 'write hello into a.txt']);
    expect(run.code, run.stderr).toBe(0);
    expect(fileOnBranch(repo.dir, run.outcomes[0]!.branch, 'a.txt')).toBe('hello');
    const log = await cli(repo.dir, ['log', '1', '--short']);
    expect(log.stdout).toMatch(
      /refused write_file: error: not run: the answer was cut off by the token limit/,
    );
  });
});
