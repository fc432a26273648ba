/**
 * A script task whose script is refused (here: a rewrite holding a line that stands for
 * left-out code) runs nothing, and the next attempt is told why; the last script used to run in
 * its place with no word to the model.
 */
import { afterEach, expect, it } from 'vitest';
import type { ScriptedServer } from '../../src/scripted-server/index.js';
import { readEvents } from '../../src/tasks/record.js';
import { openRepo } from '../../src/git/repo.js';
import { scriptedRun } from '../helpers/scripted-run.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

it('runs no script the edit guard refused, and tells the next attempt why', async () => {
  const coder = { system: 'You are the Coder' };
  const { server, dir, outcome, prompts } = await scriptedRun({
    script: {
      model: 'scripted-model',
      replies: [
        { once: true, match: coder, content: '```python\nprint("hi")\n```\n' },
        {
          once: true,
          match: { system: 'You are the Sheriff' },
          content: '{"verdict":"FAIL","analysis":"prints hi","fix":"Print hello."}',
        },
        {
          once: true,
          match: coder,
          content: '```python\nimport sys\n# ... rest of the script unchanged ...\n```\n',
        },
        { once: true, match: coder, content: '```python\nprint("hello")\n```\n' },
        {
          match: { system: 'You are the Sheriff' },
          content: '{"verdict":"PASS","analysis":"prints hello","fix":""}',
        },
      ],
    },
    task: { title: 'print hello', check: null },
    agent: { maxAttempts: 3, tools: 'text' },
  });
  servers.push(server);
  expect(outcome.outcome).toBe('passed');
  const coders = prompts('Coder');
  expect(coders).toHaveLength(3);
  expect(coders[2]).toMatch(/rest of the script unchanged/);
  expect(coders[2]).not.toMatch(/no script found/);
  const events = await readEvents(await openRepo(dir), 1);
  const checks = events.filter((e) => e.type === 'check');
  // Attempt 2's refused script did not run (nor did attempt 1's in its place).
  expect(checks.map((e) => e.attempt)).toEqual([1, 3]);
  const verdicts = events.filter((e) => e.type === 'verdict');
  expect(verdicts[1]!.reason).toBe("the Coder's script was refused");
});
