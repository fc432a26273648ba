/**
 * The two everyday scenarios, run in each dialect (dialects-*.test.ts), through the CLI against
 * the scripted server: a repo task that passes on attempt 2 (a native tool call that breaks the
 * check, the Sheriff's fix, a SEARCH/REPLACE that repairs it) and a script task (the Coder's one
 * fenced block is what runs, the Sheriff passes it), given by a YAML task file or by `--check ""`.
 * The server is either started by `factory task` itself (behind the queue front) or runs in the
 * test's process, which factory then reaches with its in-process queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../helpers/git-repo.js';
import type { Dialect } from '../../src/scripted-server/index.js';
import {
  autoServer,
  commitShape,
  e2eRepo,
  events,
  expectMainUntouched,
  expectOwnWorktree,
  fileOnBranch,
  inProcessServer,
  PAGER_REPO,
  runJson,
  startInProcess,
  stopAutoServer,
  taskDir,
} from './support.js';

const SCRIPT = 'e2e-dialects.json';

const PAGER_TASK = 'Fix the off-by-one in paginate: pages are numbered from 1.';
const MARCH_YAML = path.join(projectRoot, 'fixtures/e2e/march-2026.yaml');
const MARCH_TEXT =
  'Print the calendar of March 2026 with weeks starting on Monday. Do not use the calendar module, nor Date or Intl.';
const MARCH_2026 = [
  '     March 2026',
  'Mo Tu We Th Fr Sa Su',
  '                   1',
  ' 2  3  4  5  6  7  8',
  ' 9 10 11 12 13 14 15',
  '16 17 18 19 20 21 22',
  '23 24 25 26 27 28 29',
  '30 31',
].join('\n');

export interface SuiteOptions {
  /** `factory task` starts the server (true), or it runs in this process with `command: null`. */
  auto: boolean;
  /** The script task comes from a YAML task file (true), or from the command line with `--check ""`. */
  yaml: boolean;
}

export function dialectSuite(dialect: Dialect, { auto, yaml }: SuiteOptions): void {
  describe(`factory task against a ${dialect} server (${auto ? 'started by factory task' : 'in-process'})`, () => {
    let repo: { dir: string; head: string };
    let env: NodeJS.ProcessEnv = {};

    beforeAll(async () => {
      let server: Record<string, unknown>;
      if (auto) ({ server, env } = await autoServer(dialect, SCRIPT));
      else server = inProcessServer(await startInProcess(dialect, SCRIPT));
      repo = await e2eRepo(PAGER_REPO, {
        server,
        check: 'node --test',
        agent: { maxAttempts: 3, tools: 'auto' },
      });
    });
    // The first `factory task` started the server, if this suite lets it; stop it whatever happened.
    afterAll(async () => {
      if (auto && repo) await stopAutoServer(repo.dir, env);
    });

    it('passes a repo task on attempt 2: a failing check, the Sheriff FAILs with a fix, the retry passes', async () => {
      const run = await runJson(repo.dir, ['task', PAGER_TASK], env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.outcomes).toEqual([
        expect.objectContaining({
          id: 1,
          outcome: 'passed',
          attempts: 2,
          branch: 'factory/1-fix-the-off-by-one-in-paginate-pages-are',
          inferenceDown: false,
        }),
      ]);
      const { branch, tokens } = run.outcomes[0]!;
      expect(tokens).toBeGreaterThan(0);

      expect(commitShape(repo.dir, branch)).toEqual([
        'step 1.1.1 replace_in_file',
        'attempt 1.1 exit=1 verdict=FAIL failed',
        'step 1.2.1 replace_in_file',
        'attempt 1.2 exit=0 verdict=PASS passed',
      ]);
      expect(fileOnBranch(repo.dir, branch, 'src/pager.js')).toContain('const start = (page - 1) * size;');
      expectOwnWorktree(repo.dir, 1, branch);
      expectMainUntouched(repo.dir, repo.head);

      const log = events(repo.dir, 1);
      // The dialect's reasoning field and its tool-call chunks came through normalised.
      const firstReply = log.find((e) => e.type === 'reply' && e.role === 'coder' && e.attempt === 1)!;
      expect(firstReply.reasoning).toContain('Pages are numbered from 1');
      expect(firstReply.toolCalls).toEqual([expect.objectContaining({ name: 'replace_in_file' })]);
      // Attempt 2's Coder saw the failing check and the Sheriff's fix.
      const retry = log.filter((e) => e.type === 'prompt' && e.role === 'coder' && e.attempt === 2);
      const retryText = JSON.stringify(retry[0]?.messages);
      expect(retryText).toContain('failed with exit code 1');
      expect(retryText).toContain('Suggested fix: In src/pager.js compute the start as (page - 1) * size.');
      expect(log.filter((e) => e.type === 'check').map((e) => e.exitCode)).toEqual([1, 0]);
    });

    it('passes a script task: the orchestrator runs the Coder’s script and the Sheriff passes it', async () => {
      const run = await runJson(
        repo.dir,
        ['task', ...(yaml ? ['-t', MARCH_YAML] : [MARCH_TEXT, '--check', ''])],
        env,
      );
      expect(run.code, run.stderr).toBe(0);
      const branch = yaml
        ? 'factory/2-march-2026-calendar'
        : 'factory/2-print-the-calendar-of-march-2026-with-we';
      expect(run.outcomes).toEqual([
        expect.objectContaining({
          id: 2,
          outcome: 'passed',
          attempts: 1,
          branch,
          reason: 'the script ran (exit 0) and the Sheriff judged its result correct',
        }),
      ]);

      expect(commitShape(repo.dir, branch)).toEqual([
        'step 2.1.1 write_script',
        'attempt 2.1 exit=0 verdict=PASS passed',
      ]);
      expect(fileOnBranch(repo.dir, branch, 'solution.mjs')).toContain("Zeller's congruence");
      const log = events(repo.dir, 2);
      const checks = log.filter((e) => e.type === 'check');
      expect(checks).toEqual([expect.objectContaining({ command: 'node solution.mjs', exitCode: 0 })]);
      expect(String(checks[0]!.output).trimEnd()).toBe(MARCH_2026);
      // The Sheriff judged the script's real output.
      const sheriff = JSON.stringify(log.find((e) => e.type === 'prompt' && e.role === 'sheriff')?.messages);
      expect(sheriff).toContain('This is a script task');
      expect(sheriff).toContain(JSON.stringify(MARCH_2026).slice(1, -1));
      expect(log.find((e) => e.type === 'verdict')).toMatchObject({ verdict: 'PASS', passed: true });
      if (yaml) {
        // The task file's fields reached the record and the Coder.
        const rec = JSON.parse(readFileSync(path.join(taskDir(repo.dir, 2), 'task.json'), 'utf8'));
        expect(rec).toMatchObject({ title: 'March 2026 calendar', check: null, maxAttempts: 2, timeout: 20 });
        const prompt = JSON.stringify(log.find((e) => e.type === 'prompt' && e.role === 'coder')?.messages);
        expect(prompt).toContain('Do not use the calendar module, nor Date or Intl in JavaScript.');
      }
      expectMainUntouched(repo.dir, repo.head);
    });
  });
}
