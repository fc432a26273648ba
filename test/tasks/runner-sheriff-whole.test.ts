/**
 * The Sheriff judges the task's whole change (issue 14): at a later attempt it is shown what
 * earlier attempts changed against the base, with this attempt's part on its own.
 */
import { afterEach, expect, it } from 'vitest';
import type { ScriptedServer } from '../../src/scripted-server/index.js';
import { scriptedRun } from '../helpers/scripted-run.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

it("shows the Sheriff of attempt 2 the earlier attempt's edit as part of the whole change", async () => {
  const coder = { system: 'You are the Coder' };
  const { server, outcome, prompts } = await scriptedRun({
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
    task: { title: 'write hello into a.txt' },
    agent: { maxAttempts: 2, tools: 'text' },
    check: 'grep -qx hello a.txt',
  });
  servers.push(server);
  expect(outcome.outcome).toBe('passed');
  const sheriffs = prompts('Sheriff');
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
