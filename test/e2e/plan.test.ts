/**
 * `factory task --plan` through the CLI (issue 13): the planner splits the task into three child
 * tasks, and `show`, `log`, `list` and `--json` display the parent with its children; `plan: true`
 * in a task file does the same as the flag; a split parent is not resumed itself; the merge queue
 * lands the three children in plan order.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, sh } from '../helpers/git-repo.js';
import { cli, closeInProcess, e2eRepo, inProcessServer, runJson, startInProcess } from './support.js';

afterAll(async () => {
  await closeInProcess();
  await cleanupTemps();
});

interface Outcome {
  id: number;
  outcome: string;
  branch: string;
  planKey?: string;
  children?: Outcome[];
}

describe('factory task --plan', () => {
  it('runs the children of a plan and shows the tree in --json, show, log and list', async () => {
    const server = await startInProcess('openai', 'e2e-plan.json');
    const repo = await e2eRepo(
      { 'plan.yaml': 'description: Write some notes\nplan: true\n' },
      {
        server: inProcessServer(server),
        check: 'grep -qx ok *.txt',
        agent: { maxAttempts: 1, tools: 'text' },
      },
    );
    const run = await runJson(repo.dir, [
      'task',
      '--plan',
      'Add the api, a page and docs',
      '--parallel',
      '2',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const [parent] = run.outcomes as unknown as Outcome[];
    expect(parent).toMatchObject({
      id: 1,
      outcome: 'passed',
      branch: 'factory/1-add-the-api-a-page-and-docs',
    });
    expect(parent!.children!.map((c) => [c.id, c.planKey, c.outcome, c.branch])).toEqual([
      [2, 'api', 'passed', 'factory/2-the-api'],
      [3, 'ui', 'passed', 'factory/3-the-page'],
      [4, 'docs', 'passed', 'factory/4-the-docs'],
    ]);
    expect(sh(repo.dir, 'show', 'factory/3-the-page:ui.txt')).toBe('ok');

    const show = await cli(repo.dir, ['show', '1']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(
      'plan: mixed\n  brief    Add the api, the page and the docs.\n  subtasks\n',
    );
    expect(show.stdout).toContain('    api: task 2 passed  The api\n      files api.txt\n');
    expect(show.stdout).toContain('    ui: task 3 passed  The page  after api\n');
    expect(show.stdout).toContain('    docs: task 4 passed  The docs\n');
    expect(show.stdout).toContain('no attempts: its subtasks do the work');
    const shown = JSON.parse((await cli(repo.dir, ['show', '1', '--json'])).stdout) as {
      plan: { subtasks: { key: string; task: number; status: string }[] };
      parent: null;
    };
    expect(shown.plan.subtasks.map((s) => [s.key, s.task, s.status])).toEqual([
      ['api', 2, 'passed'],
      ['ui', 3, 'passed'],
      ['docs', 4, 'passed'],
    ]);
    expect(shown.parent).toBeNull();
    const child = await cli(repo.dir, ['show', '3']);
    expect(child.stdout).toContain('  parent   task 1 (subtask ui): Add the api, a page and docs\n');

    const log = await cli(repo.dir, ['log', '1']);
    expect(log.stdout).toContain('prompt to the planner:');
    expect(log.stdout).toContain(
      'plan: mixed, 3 subtasks (api, ui, docs)\n  brief:\n    Add the api, the page and the docs.',
    );
    expect(log.stdout).toContain(
      '  subtask ui: The page (after api)\n    files: ui.txt\n    Create ui.txt saying ok.',
    );
    expect(log.stdout).toContain('split into tasks 2 (api), 3 (ui), 4 (docs)');
    expect((await cli(repo.dir, ['log', '1', '--short'])).stdout).toContain(
      'plan: mixed, 3 subtasks (api, ui, docs)',
    );

    // A split parent does no coding: resuming it is refused, naming its children.
    const resume = await cli(repo.dir, ['resume', '1']);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain('task 1 was split into tasks 2, 3, 4 and does no coding itself');

    // plan: true in a task file: a plan without subtasks runs the task itself with the brief.
    const filed = await runJson(repo.dir, ['task', '-t', 'plan.yaml']);
    expect(filed.code, filed.stderr).toBe(0);
    expect(filed.outcomes.map((o) => [o.id, o.outcome])).toEqual([[5, 'passed']]);
    expect(sh(repo.dir, 'show', `${filed.outcomes[0]!.branch}:notes.txt`)).toBe('ok');

    const list = await cli(repo.dir, ['list']);
    const titles = list.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.replace(/^.*factory\/\S+\s+/, ''));
    expect(titles).toEqual([
      'Add the api, a page and docs',
      '└ The api',
      '└ The page',
      '└ The docs',
      'Write some notes',
    ]);

    // The merge queue takes the parent for its children: all three land, in plan order, each
    // checked on the merged tree, and the base branch then passes the check.
    const merged = await cli(repo.dir, ['merge', '1', '--json']);
    expect(merged.code, merged.stderr).toBe(0);
    const r = JSON.parse(merged.stdout);
    expect(r.rounds).toHaveLength(1);
    expect(r.rounds[0].ordering).toBe('plan');
    expect(r.rounds[0].tasks.map((t: { task: number; fate: string }) => [t.task, t.fate])).toEqual([
      [2, 'landed'],
      [3, 'landed'],
      [4, 'landed'],
    ]);
    expect(sh(repo.dir, 'log', '--format=%s', '-4', 'main')).toBe(
      ['The docs (factory task 4)', 'The page (factory task 3)', 'The api (factory task 2)', 'initial'].join(
        '\n',
      ),
    );
    expect(sh(repo.dir, 'status', '--porcelain')).toBe('');
    expect(sh(repo.dir, 'show', 'main:ui.txt')).toBe('ok');
    execFileSync('sh', ['-c', 'grep -qx ok *.txt'], { cwd: repo.dir });
  });
});
