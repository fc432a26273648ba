/**
 * `factory task --plan` through the real runner: a temp repo with real git, the scripted server
 * over HTTP answering the planner, the Coders and the Sheriffs (issue 13).
 */
import { afterEach, expect, it } from 'vitest';
import type { ScriptedServer } from '../../src/scripted-server/index.js';
import type { Script } from '../../src/scripted-server/script.js';
import { openRepo } from '../../src/git/repo.js';
import { readEvents, readRecord } from '../../src/tasks/record.js';
import { taskStatus } from '../../src/tasks/status.js';
import { scriptedRun } from '../helpers/scripted-run.js';
import { sh } from '../helpers/git-repo.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const planner = { system: 'You are the Planner' };
const coder = (user: string) => ({ match: { system: 'You are the Coder', user } });
const file = (name: string, body = 'ok') => `${name}\n\`\`\`text\n${body}\n\`\`\`\n`;
const pass = {
  match: { system: 'You are the Sheriff', regex: 'Exit code: 0\\.' },
  content: '{"verdict":"PASS","analysis":"The file is there.","fix":""}',
};
const fail = { match: { system: 'You are the Sheriff' }, content: 'VERDICT: FAIL\nthe check failed' };

const threeParts = {
  kind: 'mixed',
  brief: 'Add the api, the page and the docs.',
  spec: null,
  subtasks: [
    { key: 'api', title: 'The api', brief: 'Create api.txt saying ok.', files: ['api.txt'], after: [] },
    { key: 'ui', title: 'The page', brief: 'Create ui.txt saying ok.', files: ['ui.txt'], after: ['api'] },
    { key: 'docs', title: 'The docs', brief: 'Create docs.txt saying ok.', files: [], after: [] },
  ],
};

type Body = { messages: { role: string; content: string }[] };
const messagesOf = (server: ScriptedServer) => server.requests.map((r) => (r.body as Body).messages);
const lastUser = (m: Body['messages']) => m.at(-1)!.content;

/** One `--plan` run, one attempt per task, with the scripted server answering `replies`. */
async function planRun(
  replies: Script['replies'],
  task: { title: string; description?: string },
  check: string,
  parallel?: number,
) {
  const run = await scriptedRun({
    script: { model: 'scripted-model', replies },
    task: { ...task, plan: true },
    agent: { maxAttempts: 1, tools: 'text' },
    check,
    ...(parallel ? { parallel } : {}),
  });
  servers.push(run.server);
  return run;
}

it('splits a task into three children, runs them in the order `after` allows and records the tree', async () => {
  const { server, dir, outcome } = await planRun(
    [
      { match: planner, content: `Here is the plan:\n\`\`\`json\n${JSON.stringify(threeParts)}\n\`\`\`` },
      { ...coder('Create api.txt'), content: file('api.txt') },
      { ...coder('Create ui.txt'), content: file('ui.txt') },
      { ...coder('Create docs.txt'), content: file('docs.txt') },
      pass,
      fail,
    ],
    { title: 'Add an api, a page and docs' },
    'grep -qx ok *.txt',
    2,
  );
  expect(outcome.outcome).toBe('passed');
  expect(outcome.id).toBe(1);
  expect(outcome.children?.map((c) => [c.id, c.planKey, c.outcome])).toEqual([
    [2, 'api', 'passed'],
    [3, 'ui', 'passed'],
    [4, 'docs', 'passed'],
  ]);
  expect(outcome.reason).toBe('3 of 3 subtasks passed');

  const repo = await openRepo(dir);
  const parent = await readRecord(repo, 1);
  expect(parent.plan).toBe(true);
  expect(parent.children).toEqual([2, 3, 4]);
  expect(parent.planned?.subtasks.map((s) => s.key)).toEqual(['api', 'ui', 'docs']);
  expect(parent.planned?.brief).toBe('Add the api, the page and the docs.');
  expect((await taskStatus(repo, 1, await readEvents(repo, 1))).status).toBe('passed');
  for (const [id, key, slug] of [
    [2, 'api', 'the-api'],
    [3, 'ui', 'the-page'],
    [4, 'docs', 'the-docs'],
  ] as const) {
    const child = await readRecord(repo, id);
    expect(child.parent).toBe(1);
    expect(child.planKey).toBe(key);
    expect(child.branch).toBe(`factory/${id}-${slug}`);
    expect(child.base).toBe(parent.base);
    expect(sh(dir, 'rev-parse', '--verify', '-q', `refs/heads/${child.branch}`)).toMatch(/^[0-9a-f]{40}$/);
    expect(sh(dir, 'show', `${child.branch}:${key}.txt`)).toBe('ok');
  }
  // The child's Coder gets its own brief (and the files hint), never the planner's conversation.
  const ui = messagesOf(server).find(
    (m) => m[0]!.content.startsWith('You are the Coder') && lastUser(m).includes('Create ui.txt'),
  )!;
  expect(lastUser(ui)).toContain('Files likely involved: ui.txt');
  expect(lastUser(ui)).not.toContain('Create api.txt');
  expect(lastUser(ui)).not.toContain('Here is the plan');

  // `after`: the page's first request comes after the api's passing verdict was answered.
  const reqs = server.requests;
  const apiVerdict = reqs.filter((r) => r.task === 'task-2').at(-1)!;
  const uiFirst = reqs.find((r) => r.task === 'task-3')!;
  expect((apiVerdict.body as Body).messages[0]!.content).toMatch(/^You are the Sheriff/);
  expect(apiVerdict.endedAt).toBeDefined();
  expect(uiFirst.id).toBeGreaterThan(apiVerdict.id);
  expect(uiFirst.arrivedAt).toBeGreaterThanOrEqual(apiVerdict.endedAt!);

  // The parent's log holds the planner's prompt and reply and the plan; it did no coding.
  const events = await readEvents(repo, 1);
  expect(events.filter((e) => e.type === 'prompt').map((e) => e.role)).toEqual(['planner']);
  expect(events.find((e) => e.type === 'plan')?.plan).toMatchObject({
    kind: 'mixed',
    subtasks: expect.any(Array),
  });
  expect(events.find((e) => e.type === 'children')?.children).toEqual([
    { id: 2, key: 'api', branch: 'factory/2-the-api' },
    { id: 3, key: 'ui', branch: 'factory/3-the-page' },
    { id: 4, key: 'docs', branch: 'factory/4-the-docs' },
  ]);
  expect(
    reqs.some(
      (r) => r.task === 'task-1' && (r.body as Body).messages[0]!.content.startsWith('You are the Coder'),
    ),
  ).toBe(false);
});

it('does not run a child whose dependency failed: it is recorded as blocked, with why', async () => {
  const { server, dir, outcome } = await planRun(
    [
      { match: planner, content: JSON.stringify(threeParts) },
      { ...coder('Create api.txt'), content: file('api.txt', 'broken') },
      { ...coder('Create docs.txt'), content: file('docs.txt') },
      pass,
      fail,
    ],
    { title: 'Add an api, a page and docs' },
    'grep -qx ok *.txt',
    2,
  );
  expect(outcome.outcome).toBe('failed');
  expect(outcome.children?.map((c) => [c.planKey, c.outcome])).toEqual([
    ['api', 'failed'],
    ['ui', 'blocked'],
    ['docs', 'passed'],
  ]);
  expect(outcome.reason).toBe('1 of 3 subtasks passed; task 2 (api) failed, task 3 (ui) blocked');
  const repo = await openRepo(dir);
  const ui = await taskStatus(repo, 3, await readEvents(repo, 3));
  expect(ui).toEqual({ status: 'blocked', detail: 'it waits for task 2 (api), which did not pass' });
  expect(server.requests.some((r) => r.task === 'task-3')).toBe(false);
  expect((await taskStatus(repo, 1, await readEvents(repo, 1))).status).toBe('failed');
});

it('retries an answer that is not JSON once with the error, then runs unsplit with the text as the brief', async () => {
  const text = 'Make hello.txt say ok; nothing else is needed.';
  const { server, dir, outcome } = await planRun(
    [
      { once: true, match: planner, content: 'I would just write the file.' },
      { once: true, match: planner, content: text },
      { ...coder('Make hello.txt say ok'), content: file('hello.txt') },
      pass,
      fail,
    ],
    { title: 'hello file' },
    'grep -qx ok hello.txt',
  );
  expect(outcome.outcome).toBe('passed');
  expect(outcome.children).toBeUndefined();
  const plans = messagesOf(server).filter((m) => m[0]!.content.startsWith('You are the Planner'));
  expect(plans).toHaveLength(2);
  // The retry carries the first answer and what was wrong with it.
  expect(plans[1]!.at(-2)).toEqual({ role: 'assistant', content: 'I would just write the file.' });
  expect(lastUser(plans[1]!)).toContain(
    'Your answer is not a valid plan:\n- (top level): no JSON object found in the answer',
  );
  const repo = await openRepo(dir);
  const rec = await readRecord(repo, 1);
  expect(rec.planned).toEqual({ kind: 'mixed', brief: text, spec: null, subtasks: [], unsplit: true });
  expect(rec.description).toBe('hello file');
  expect(rec.children).toBeUndefined();
  const coders = messagesOf(server).filter((m) => m[0]!.content.startsWith('You are the Coder'));
  expect(lastUser(coders[0]!)).toContain(text);
  const plan = (await readEvents(repo, 1)).find((e) => e.type === 'plan')!;
  expect(plan.tries).toBe(2);
  expect(plan.error).toContain('no JSON object found');
});

it('counts an unknown or circular `after` as invalid: the retry names it, and a second one falls back', async () => {
  const bad = (after: Record<string, string[]>) =>
    JSON.stringify({
      ...threeParts,
      subtasks: threeParts.subtasks.map((s) => ({ ...s, after: after[s.key] ?? [] })),
    });
  const second = bad({ api: ['ui'], ui: ['api'] });
  const { server, dir, outcome } = await planRun(
    [
      { once: true, match: planner, content: bad({ ui: ['db'] }) },
      { once: true, match: planner, content: second },
      { ...coder('Add the api'), content: file('all.txt') },
      pass,
      fail,
    ],
    { title: 'three parts' },
    'grep -qx ok all.txt',
  );
  expect(outcome.outcome).toBe('passed');
  const plans = messagesOf(server).filter((m) => m[0]!.content.startsWith('You are the Planner'));
  expect(lastUser(plans[1]!)).toContain('- subtasks[1].after[0]: no subtask has the key "db"');
  const rec = await readRecord(await openRepo(dir), 1);
  expect(rec.planned?.unsplit).toBe(true);
  expect(rec.planned?.brief).toBe(second);
  expect(rec.children).toBeUndefined();
  const plan = (await readEvents(await openRepo(dir), 1)).find((e) => e.type === 'plan')!;
  expect(plan.error).toContain('"after" goes round in a circle: api -> ui -> api');
});

it('runs a plan of one subtask as one task, with the brief in place of the description', async () => {
  const one = {
    kind: 'ui',
    brief: 'Create page.txt saying ok.',
    spec: 'One line of text: ok.',
    subtasks: [{ key: 'page', title: 'The page', brief: 'Create page.txt.', files: ['page.txt'], after: [] }],
  };
  const { server, dir, outcome } = await planRun(
    [
      { match: planner, content: JSON.stringify(one) },
      { ...coder('Create page.txt saying ok'), content: file('page.txt') },
      pass,
      fail,
    ],
    { title: 'a page', description: 'make a page, whatever' },
    'grep -qx ok page.txt',
  );
  expect(outcome).toMatchObject({ id: 1, outcome: 'passed', branch: 'factory/1-a-page' });
  expect(outcome.children).toBeUndefined();
  const repo = await openRepo(dir);
  const rec = await readRecord(repo, 1);
  expect(rec.description).toBe('make a page, whatever');
  expect(rec.planned?.brief).toBe('Create page.txt saying ok.');
  // The plan's spec becomes the task's: the Coder and the Sheriff read it.
  expect(rec.spec).toBe('One line of text: ok.');
  expect(rec.children).toBeUndefined();
  const coders = messagesOf(server).filter((m) => m[0]!.content.startsWith('You are the Coder'));
  expect(lastUser(coders[0]!)).toContain('Create page.txt saying ok.');
  expect(lastUser(coders[0]!)).toContain('One line of text: ok.');
  expect(lastUser(coders[0]!)).not.toContain('whatever');
  expect(server.requests.length).toBe(3);
});

it('fails the task, saying so, when the planner request itself fails', async () => {
  const { server, dir, outcome } = await planRun(
    [{ match: planner, fault: { kind: 'status', status: 400, message: 'prompt refused' } }, fail],
    { title: 'anything' },
    'true',
  );
  expect(outcome).toMatchObject({ id: 1, outcome: 'error', attempts: 0, inferenceDown: false });
  expect(outcome.reason).toMatch(/^planner: .*prompt refused/);
  const repo = await openRepo(dir);
  expect(await taskStatus(repo, 1, await readEvents(repo, 1))).toMatchObject({ status: 'failed' });
  expect((await readRecord(repo, 1)).planned).toBeUndefined();
  expect(
    server.requests.every((r) => (r.body as Body).messages[0]!.content.startsWith('You are the Planner')),
  ).toBe(true);
});
