/**
 * The loop's stops and its feedback to the Coder, through the CLI against in-process scripted
 * servers: stagnation (the same error output N times, the same change twice), the token
 * budget, a SEARCH block that matches nothing, and the exit codes for usage errors (2) and an
 * inference server that cannot be reached (3).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanupTemps, projectRoot, sh, tempDir } from '../helpers/git-repo.js';
import { freePort } from '../helpers/server-env.js';
import {
  cli,
  closeInProcess,
  commitShape,
  e2eRepo,
  events,
  expectMainUntouched,
  expectOwnWorktree,
  fileOnBranch,
  inProcessServer,
  lastUser,
  PAGER_REPO,
  requestsOf,
  runJson,
  startInProcess,
} from './support.js';

afterAll(async () => {
  await closeInProcess();
  await cleanupTemps();
});

const ANSWER_REPO = {
  'answer.txt': '40\n',
  // The same words whatever the answer: only the error-output rule can see the loop.
  'quiet-check.sh': 'test "$(cat answer.txt)" = 42 || { echo "FAIL: the answer is wrong"; exit 1; }\n',
  // The value in the output: consecutive failures differ, so only the same-change rule can.
  'loud-check.sh': 'v=$(cat answer.txt); test "$v" = 42 || { echo "FAIL: got $v, want 42"; exit 1; }\n',
};

describe('factory task stops a task that cannot pass', () => {
  it('stagnates on the same error output 3 times in a row, and on the same change proposed twice (llamacpp)', async () => {
    const server = await startInProcess('llamacpp', 'e2e-stagnation.json');
    const repo = await e2eRepo(ANSWER_REPO, {
      server: inProcessServer(server),
      agent: { maxAttempts: 5, stagnationThreshold: 3, tools: 'text' },
    });
    const file = path.join(projectRoot, 'fixtures/e2e/stagnate.yaml');
    const run = await runJson(repo.dir, ['task', '-t', file, '--parallel', '2']);
    expect(run.code, run.stderr).toBe(1);
    const byTitle = Object.fromEntries(run.outcomes.map((o) => [o.title, o]));
    expect(Object.keys(byTitle).sort()).toEqual(['Going round in circles', 'Same error every time']);

    const same = byTitle['Same error every time']!;
    expect(same).toMatchObject({
      branch: `factory/${same.id}-same-error-every-time`,
      outcome: 'stagnated',
      attempts: 3,
      reason: 'the same error output in 3 attempts in a row',
    });
    const a = same.id;
    expect(commitShape(repo.dir, same.branch)).toEqual([
      `step ${a}.1.1 write_file`,
      `attempt ${a}.1 exit=1 verdict=FAIL failed`,
      `step ${a}.2.1 write_file`,
      `attempt ${a}.2 exit=1 verdict=FAIL failed`,
      `step ${a}.3.1 write_file`,
      `attempt ${a}.3 exit=1 verdict=FAIL stagnated`,
    ]);
    expect(fileOnBranch(repo.dir, same.branch, 'answer.txt')).toBe('44');

    const circles = byTitle['Going round in circles']!;
    expect(circles).toMatchObject({
      branch: `factory/${circles.id}-going-round-in-circles`,
      outcome: 'stagnated',
      attempts: 3,
      reason: 'attempt 3 proposed the same change as attempt 1',
    });
    const b = circles.id;
    expect(commitShape(repo.dir, circles.branch)).toEqual([
      `step ${b}.1.1 write_file`,
      `attempt ${b}.1 exit=1 verdict=FAIL failed`,
      `step ${b}.2.1 write_file`,
      `attempt ${b}.2 exit=1 verdict=FAIL failed`,
      `step ${b}.3.1 write_file`,
      `attempt ${b}.3 exit=1 verdict=FAIL stagnated`,
    ]);
    for (const o of [same, circles]) expectOwnWorktree(repo.dir, o.id, o.branch);
    expect(
      events(repo.dir, a)
        .filter((e) => e.type === 'status')
        .at(-1),
    ).toMatchObject({ status: 'stagnated', outcome: 'stagnated' });
    expectMainUntouched(repo.dir, repo.head);
  });

  it('stops when the task has used its token budget, counted from the usage the server reports (ollama)', async () => {
    const server = await startInProcess('ollama', 'e2e-budget.json');
    const repo = await e2eRepo(ANSWER_REPO, {
      server: inProcessServer(server),
      check: 'sh loud-check.sh',
      agent: { maxAttempts: 5, totalTokenBudget: 50_000, tools: 'text' },
    });
    const run = await runJson(repo.dir, ['task', 'Put the right answer in answer.txt.']);
    expect(run.code, run.stderr).toBe(1);
    // Per attempt: the Coder reports 30000 + 5000 tokens, the Sheriff 900 + 100.
    expect(run.outcomes).toEqual([
      expect.objectContaining({
        id: 1,
        outcome: 'budget',
        attempts: 2,
        tokens: 72_000,
        reason: 'token budget of 50000 used up (72000)',
        branch: 'factory/1-put-the-right-answer-in-answer-txt',
      }),
    ]);
    expect(commitShape(repo.dir, run.outcomes[0]!.branch)).toEqual([
      'step 1.1.1 write_file',
      'attempt 1.1 exit=1 verdict=FAIL failed',
      'step 1.2.1 write_file',
      'attempt 1.2 exit=1 verdict=FAIL budget',
    ]);
    expect(requestsOf(server, 'Coder')).toHaveLength(2);
    expectOwnWorktree(repo.dir, 1, run.outcomes[0]!.branch);
    expectMainUntouched(repo.dir, repo.head);
  });
});

describe('factory task reports a SEARCH block that matches nothing', () => {
  it('gives the miss and the closest snippet to the next Coder turn, which then passes (mlx)', async () => {
    const server = await startInProcess('mlx', 'e2e-search-miss.json');
    const repo = await e2eRepo(PAGER_REPO, {
      server: inProcessServer(server),
      check: 'node --test',
      agent: { maxAttempts: 3, tools: 'text' },
    });
    const run = await runJson(repo.dir, [
      'task',
      'Fix the off-by-one in paginate: pages are numbered from 1.',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.outcomes).toEqual([
      expect.objectContaining({
        id: 1,
        outcome: 'passed',
        attempts: 2,
        branch: 'factory/1-fix-the-off-by-one-in-paginate-pages-are',
      }),
    ]);
    const { branch } = run.outcomes[0]!;
    // Attempt 1 changed nothing: no step commit, and the unchanged code failed the check.
    expect(commitShape(repo.dir, branch)).toEqual([
      'attempt 1.1 exit=1 verdict=FAIL failed',
      'step 1.2.1 replace_in_file',
      'attempt 1.2 exit=0 verdict=PASS passed',
    ]);
    expect(fileOnBranch(repo.dir, branch, 'src/pager.js')).toContain('const start = (page - 1) * size;');

    const coder = requestsOf(server, 'Coder');
    expect(coder).toHaveLength(2);
    expect(lastUser(coder[0]!.body)).not.toContain('Problems with your last reply');
    const retry = lastUser(coder[1]!.body);
    const problems = retry.slice(retry.indexOf('# Problems with your last reply'));
    expect(problems).toContain('The SEARCH text does not match the file.');
    expect(problems).toContain('The closest text in the file (line 3) is:');
    expect(problems).toContain('  const start = page * size;');
    const refused = events(repo.dir, 1).find((e) => e.type === 'edit' && e.attempt === 1);
    expect(refused).toMatchObject({ ok: false, tool: 'replace_in_file', paths: [], commit: null });
    expectOwnWorktree(repo.dir, 1, branch);
    expectMainUntouched(repo.dir, repo.head);
  });
});

describe('factory task exit codes', () => {
  it('exits 3 when the inference server cannot be reached, before creating any task', async () => {
    const port = await freePort();
    const repo = await e2eRepo(
      { 'README.md': '# x\n' },
      { server: { baseURL: `http://127.0.0.1:${port}/v1`, model: 'scripted-model', command: null } },
    );
    const r = await cli(repo.dir, ['task', 'Do something', '--json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`no inference server answers at http://127.0.0.1:${port}/v1`);
    // Under --json the error is also one JSON object on stdout, and nothing else is.
    expect(JSON.parse(r.stdout)).toEqual({
      error: expect.objectContaining({
        message: `no inference server answers at http://127.0.0.1:${port}/v1`,
        exitCode: 3,
      }),
    });
    expect(sh(repo.dir, 'branch', '--list', 'factory/*')).toBe('');
    expectMainUntouched(repo.dir, repo.head);
  });

  it('exits 2 with no task, and on a task file with a bad field, naming the file and the field', async () => {
    const repo = await e2eRepo({ 'README.md': '# x\n' }, {});
    const none = await cli(repo.dir, ['task']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('factory: no task given');

    const dir = await tempDir('factory-e2e-tasks-');
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'name: x\ndescription: Do it\nmax_attempts: three\n');
    const r = await cli(repo.dir, ['task', '-t', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}: max_attempts: expected an integer from 1 to 100`);
    expect(sh(repo.dir, 'branch', '--list', 'factory/*')).toBe('');
    expectMainUntouched(repo.dir, repo.head);
  });
});
