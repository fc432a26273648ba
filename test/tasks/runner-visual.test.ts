/**
 * The visual phase in real runs (scripted server over HTTP, real git, real child processes), for
 * the cases that need no browser: an app that does not start fails the attempt without asking the
 * Sheriff and tells the next attempt why; a failing check is never looked at; `visual.paths`
 * decides for tasks that did not ask; the design spec is asked first and kept in the record.
 */
import { afterEach, expect, it } from 'vitest';
import type { ScriptedServer } from '../../src/scripted-server/index.js';
import { readEvents, readRecord } from '../../src/tasks/record.js';
import { openRepo } from '../../src/git/repo.js';
import { scriptedRun } from '../helpers/scripted-run.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const SPEC = '- desktop: one heading\n- phone: one heading, nothing wider than the screen';
const replies = (coder: string) => [
  { match: { system: 'You write the design spec' }, content: SPEC },
  { match: { system: 'You are the Coder' }, content: coder },
  { match: { system: 'You are the Sheriff' }, content: '{"verdict":"PASS","analysis":"ok","fix":""}' },
];
const PAGE = 'page.html\n```html\n<h1>Hello</h1>\n```\n';
// The app never gets ready, so the browser is never started: any executable stands in for it.
const APP_DIES = { start: 'echo "port {port} is taken" >&2; exit 3', browser: '/bin/true' };

async function eventsOf(dir: string, id: number) {
  return readEvents(await openRepo(dir), id);
}

it('fails an attempt whose app does not start, without the Sheriff, and tells the next attempt why', async () => {
  const run = await scriptedRun({
    script: { model: 'scripted-model', replies: replies(PAGE) },
    task: { title: 'Add a page', visual: true },
    agent: { maxAttempts: 2, tools: 'text' },
    check: 'true',
    visual: APP_DIES,
  });
  servers.push(run.server);
  expect(run.outcome).toMatchObject({ outcome: 'failed', attempts: 2 });
  const log = await eventsOf(run.dir, run.outcome.id);
  const looks = log.filter((e) => e.type === 'visual');
  expect(looks).toHaveLength(2);
  expect(String(looks[0]!.error)).toMatch(
    /^the app's start command exited \(exit code 3\) before http:\/\/127\.0\.0\.1:\d+\/ answered/,
  );
  expect(String(looks[0]!.error)).toContain('is taken');
  const verdicts = log.filter((e) => e.type === 'verdict');
  expect(verdicts[0]).toMatchObject({ verdict: 'NONE', passed: false });
  expect(String(verdicts[0]!.reason)).toMatch(
    /^the visual check could not look: the app's start command exited/,
  );
  expect(run.prompts('Sheriff')).toEqual([]);
  expect(run.prompts('Coder')[1]).toContain('the visual check could not look at the page');
  // The spec was the run's first model request, asked once, and is in the record.
  expect(log.filter((e) => e.type === 'spec')).toMatchObject([{ attempt: 1, source: 'model', spec: SPEC }]);
  expect((await readRecord(await openRepo(run.dir), run.outcome.id)).spec).toBe(SPEC);
  const first = run.server.requests[0]!.body as { messages: { content: string }[] };
  expect(first.messages[0]!.content).toMatch(/^You write the design spec/);
  // The Coder builds against the spec.
  expect(run.prompts('Coder')[0]).toContain(
    'Design spec (what the result must look like):\n- desktop: one heading',
  );
});

it('does not look at a page whose check failed', async () => {
  const run = await scriptedRun({
    script: { model: 'scripted-model', replies: replies(PAGE) },
    task: { title: 'Add a page', visual: true },
    agent: { maxAttempts: 1, tools: 'text' },
    check: 'exit 1',
    visual: APP_DIES,
  });
  servers.push(run.server);
  const log = await eventsOf(run.dir, run.outcome.id);
  expect(log.some((e) => e.type === 'visual')).toBe(false);
  expect(log.some((e) => e.type === 'phase' && e.phase === 'visual')).toBe(false);
  expect(run.prompts('Sheriff')[0]).not.toContain('# The visual check');
});

it('looks at a task that did not ask only when its change touches visual.paths', async () => {
  const readme = 'README.md\n```markdown\n# demo, edited\n```\n';
  const quiet = await scriptedRun({
    script: { model: 'scripted-model', replies: replies(readme) },
    task: { title: 'Edit the readme' },
    agent: { maxAttempts: 1, tools: 'text' },
    check: 'true',
    visual: APP_DIES,
  });
  servers.push(quiet.server);
  expect(quiet.outcome.outcome).toBe('passed');
  const quietLog = await eventsOf(quiet.dir, quiet.outcome.id);
  expect(quietLog.some((e) => e.type === 'visual' || e.type === 'spec')).toBe(false);

  const page = await scriptedRun({
    script: { model: 'scripted-model', replies: replies(PAGE) },
    task: { title: 'Add a page' },
    agent: { maxAttempts: 1, tools: 'text' },
    check: 'true',
    visual: APP_DIES,
  });
  servers.push(page.server);
  const log = await eventsOf(page.dir, page.outcome.id);
  // Found visual by its diff (page.html): the spec is asked then, before the look.
  const order = log
    .filter((e) => e.type === 'phase')
    .map((e) => e.phase)
    .filter((p) => p !== 'commit');
  expect(order).toEqual(['coder', 'edits', 'check', 'spec', 'visual']);
  expect(log.find((e) => e.type === 'visual')?.error).toBeDefined();

  // visual: false in the task keeps it out, whatever it touches.
  const off = await scriptedRun({
    script: { model: 'scripted-model', replies: replies(PAGE) },
    task: { title: 'Add a page', visual: false },
    agent: { maxAttempts: 1, tools: 'text' },
    check: 'true',
    visual: APP_DIES,
  });
  servers.push(off.server);
  expect(off.outcome.outcome).toBe('passed');
  expect((await eventsOf(off.dir, off.outcome.id)).some((e) => e.type === 'visual')).toBe(false);
});
