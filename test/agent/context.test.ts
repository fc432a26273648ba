import { afterAll, describe, expect, it } from 'vitest';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { buildCoderMessages, type CoderContextInput } from '../../src/agent/context/coder.js';
import { coderSystemPrompt, loadPrompts } from '../../src/agent/prompts/index.js';
import type { TaskSpec } from '../../src/agent/types.js';
import { cleanupTemps, makeRepo, tempDir, writeFiles } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

const task: TaskSpec = {
  title: 'Fix pagination',
  description: 'Fix the off-by-one in src/pager.ts and add a test.',
  constraints: ['no new dependencies'],
  mode: 'repo',
};

const pager =
  'export function page<T>(items: T[], n: number, size: number): T[] {\n  const start = n * size;\n  return items.slice(start, start + size + 1);\n}\n';
const pagerTest =
  "import { page } from '../src/pager.js';\n\ntest('last page', () => {\n  expect(page([1, 2, 3], 1, 2)).toEqual([3]);\n});\n";

async function repo(extra: Record<string, string> = {}) {
  return makeRepo({
    'README.md': '# demo\n',
    'package.json': '{"name":"demo"}\n',
    'src/pager.ts': pager,
    'src/util.ts': 'export const id = <T>(x: T) => x;\n',
    'test/pager.test.ts': pagerTest,
    ...extra,
  });
}

async function build(over: Partial<CoderContextInput> & { repoRoot: string }) {
  const messages = await buildCoderMessages({
    task,
    prompts: await loadPrompts(),
    budgetTokens: 6000,
    attempt: 1,
    tools: 'text',
    ...over,
  });
  const chars = messages.reduce((n, m) => n + m.content.length, 0);
  return { messages, system: messages[0]!.content, user: messages[1]!.content, chars };
}

describe('buildCoderMessages: first attempt', () => {
  it('is a system prompt and one user message with the task, repo map and the named file', async () => {
    const root = await repo();
    const { messages, system, user } = await build({ repoRoot: root });
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(system).toBe(coderSystemPrompt(await loadPrompts(), 'repo', 'text'));
    expect(user).toMatch(
      /^# Task: Fix pagination\nFix the off-by-one in src\/pager.ts and add a test.\n\nConstraints:\n- no new dependencies/,
    );
    expect(user).toContain(
      '# Repository files (5)\nREADME.md\npackage.json\nsrc/pager.ts\nsrc/util.ts\ntest/pager.test.ts',
    );
    expect(user).toContain(`src/pager.ts\n\`\`\`ts\n${pager}\`\`\``);
    expect(user).not.toContain('src/util.ts\n```');
    expect(user).toMatch(/Attempt 1: reply with your edits\.$/);
    expect(user).not.toMatch(/# Last check|reviewer|# Feedback|# Problems/);
  });

  it('finds files by name alone and lists untracked (not ignored) files in the map', async () => {
    const root = await repo({ '.gitignore': 'dist/\n' });
    await writeFiles(root, { 'src/new.ts': 'export const fresh = 1;\n', 'dist/out.js': 'x\n' });
    const { user } = await build({
      repoRoot: root,
      task: { ...task, description: 'Use util.ts in pager.ts.' },
    });
    expect(user).toContain('src/util.ts\n```ts\n');
    expect(user).toContain('src/pager.ts\n```ts\n');
    expect(user).toContain('\nsrc/new.ts\n');
    expect(user).not.toContain('dist/out.js');
  });

  it('uses the script prompt for script tasks', async () => {
    const root = await repo();
    const script: TaskSpec = {
      title: 'March',
      description: 'Print March 2026.',
      constraints: [],
      mode: 'script',
    };
    const { system, user } = await build({ repoRoot: root, task: script, tools: 'native' });
    expect(system).toBe(coderSystemPrompt(await loadPrompts(), 'script', 'native'));
    expect(user).toMatch(/Attempt 1: reply with the complete script, as one fenced block\.$/);
  });
});

describe('buildCoderMessages: a retry', () => {
  const failing = (root: string) => ({
    command: 'npm test',
    exitCode: 1,
    output:
      Array.from({ length: 400 }, (_, i) => `noise line ${i}`).join('\n') +
      `\n FAIL  test/pager.test.ts > last page\nAssertionError: expected [ 3, 4 ] to deeply equal [ 3 ]\n ❯ ${root}/test/pager.test.ts:4:30\n\u001b[31mTests  1 failed\u001b[39m\n`,
  });

  it('shows the tail of the check, the Sheriff report, problems, feedback and the files in the error', async () => {
    const root = await repo();
    await writeFiles(root, { 'src/extra.ts': 'export const extra = 2;\n' });
    const { user } = await build({
      repoRoot: root,
      attempt: 2,
      lastCheck: failing(root),
      sheriff: {
        verdict: 'FAIL',
        analysis: 'The slice takes one item too many.',
        fix: 'Drop the + 1 in src/pager.ts.',
      },
      problems: ['SEARCH block for src/util.ts matched nothing; closest:\n  export const id'],
      feedback: 'Keep the function signature.',
      changedFiles: ['src/extra.ts'],
    });
    expect(user).toContain('# Last check\n`npm test` failed with exit code 1. The end of its output:');
    expect(user).toContain('AssertionError: expected [ 3, 4 ] to deeply equal [ 3 ]');
    expect(user).toContain('Tests  1 failed');
    expect(user).not.toContain('\u001b[');
    expect(user).toContain(
      "# The reviewer's report on the last attempt\nVerdict: FAIL\nAnalysis: The slice takes one item too many.\nSuggested fix: Drop the + 1 in src/pager.ts.",
    );
    expect(user).toContain(
      '# Problems with your last reply\n- SEARCH block for src/util.ts matched nothing; closest:\n  export const id',
    );
    expect(user).toContain('# Feedback from the user\nKeep the function signature.');
    for (const f of ['test/pager.test.ts', 'src/pager.ts', 'src/util.ts', 'src/extra.ts'])
      expect(user).toContain(`${f}\n\`\`\``);
    // Chosen by rank (the file on the failure line is in), shown in a stable order for the
    // server's prompt cache: unchanged files by path, then the files the task changed.
    const at = (f: string) => user.indexOf(`${f}\n\`\`\``);
    expect(at('src/pager.ts')).toBeLessThan(at('test/pager.test.ts'));
    expect(at('test/pager.test.ts')).toBeLessThan(at('src/extra.ts'));
    expect(user).toMatch(
      /Attempt 2: the last attempt did not pass \(see above\)\. The files shown are the current state, with your earlier changes\. Reply with the edits that fix it\.$/,
    );
  });

  it('keeps the files in the same order from one attempt to the next, so the prompts share a long prefix', async () => {
    const root = await repo();
    const check = (first: string, second: string) => ({
      command: 'npm test',
      exitCode: 1,
      output: `Error at ${root}/${first}:1:1\n  see also ${second}\n`,
    });
    const attempt = async (n: number, first: string, second: string) =>
      (
        await build({
          repoRoot: root,
          attempt: n,
          lastCheck: check(first, second),
          changedFiles: ['src/pager.ts'],
        })
      ).user;
    // The ranking flips between the two attempts: the failure moved from the test to the helper.
    const two = await attempt(2, 'test/pager.test.ts', 'src/util.ts');
    const three = await attempt(3, 'src/util.ts', 'test/pager.test.ts');
    let shared = 0;
    while (shared < two.length && two[shared] === three[shared]) shared++;
    // Everything up to the changed file (task, map, the unchanged files) is the same text.
    const changed = two.indexOf('src/pager.ts\n```');
    expect(two.indexOf('src/util.ts\n```')).toBeLessThan(two.indexOf('test/pager.test.ts\n```'));
    expect(changed).toBeGreaterThan(two.indexOf('test/pager.test.ts\n```'));
    expect(shared).toBeGreaterThanOrEqual(changed);
  });

  it('says when the check did not finish, and when it printed nothing', async () => {
    const root = await repo();
    const a = await build({
      repoRoot: root,
      attempt: 2,
      lastCheck: { command: 'npm test', exitCode: null, output: 'x' },
    });
    expect(a.user).toContain('`npm test` did not finish (it timed out or was killed).');
    const b = await build({
      repoRoot: root,
      attempt: 2,
      lastCheck: { command: 'make', exitCode: 2, output: '\n' },
    });
    expect(b.user).toContain('`make` failed with exit code 2. It printed nothing.');
  });
});

describe('buildCoderMessages: the budget', () => {
  const big = (n: number) =>
    Array.from({ length: n }, (_, i) => `export const v${i} = ${i}; // padding padding`).join('\n') + '\n';

  it('stays within the budget, dropping the repo map first, then files', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 300; i++)
      many[`lib/mod${String(i).padStart(3, '0')}/index.ts`] = `export const m${i} = ${i};\n`;
    const root = await repo({ ...many, 'src/big.ts': big(2000) });
    const input = {
      repoRoot: root,
      attempt: 3,
      task: { ...task, description: 'Fix src/pager.ts; see src/big.ts.' },
      lastCheck: { command: 'npm test', exitCode: 1, output: big(300) },
      sheriff: { verdict: 'FAIL' as const, analysis: 'a'.repeat(5000), fix: 'f' },
      feedback: 'feedback '.repeat(50),
      problems: ['problem '.repeat(50)],
    };
    let last = Infinity;
    for (const budget of [20000, 6000, 2000, 1200]) {
      const r = await build({ ...input, budgetTokens: budget });
      expect(r.chars).toBeLessThanOrEqual(budget * 4);
      expect(r.chars).toBeLessThan(last);
      last = r.chars;
      // The sections of highest priority are whole at every budget.
      expect(r.user).toContain(`# Task: Fix pagination\nFix src/pager.ts; see src/big.ts.`);
      expect(r.user).toContain(`# Feedback from the user\n${input.feedback.trim()}`);
      expect(r.user).toContain(`# Problems with your last reply\n- ${input.problems[0]!.trim()}`);
      expect(r.user).toContain('# Last check');
    }
    const roomy = await build({ ...input, budgetTokens: 20000 });
    expect(roomy.user).toContain('# Repository files (306)');
    expect(roomy.user).not.toContain('more files');
    expect(roomy.user).toContain(`src/pager.ts\n\`\`\`ts\n${pager}`);
    // Trimmed map: the relevant paths stay, the rest is counted.
    const mid = await build({ ...input, budgetTokens: 2000 });
    expect(mid.user).toMatch(/# Repository files \(306\)\n[\s\S]*src\/pager\.ts[\s\S]*… and \d+ more files/);
    expect(mid.user).toContain('src/big.ts (lines 1-');
    const tight = await build({ ...input, budgetTokens: 1200 });
    expect(tight.user).not.toContain('# Repository files');
    expect(tight.user).not.toContain('# Relevant files');
  });

  it('shows a long file as an excerpt around the lines an error points at', async () => {
    const root = await repo({ 'src/big.ts': big(3000) });
    const { user } = await build({
      repoRoot: root,
      budgetTokens: 8000,
      attempt: 2,
      lastCheck: {
        command: 'tsc',
        exitCode: 2,
        output: 'src/big.ts(1500,3): error TS2322\nsrc/big.ts:1500:3 - error',
      },
    });
    expect(user).toMatch(
      /src\/big\.ts \(lines 1480-1520 of 3001; partial: edit it with SEARCH\/REPLACE, never whole\)/,
    );
    expect(user).toContain('export const v1499 = 1499;');
    expect(user).not.toContain('export const v1000 = 1000;');
    expect(user).toContain('… (lines 1-1479 not shown)');
  });

  it('shows the head of a long file when no line is known, and points at read_file with native tools', async () => {
    const root = await repo({ 'src/big.ts': big(3000) });
    const { user } = await build({
      repoRoot: root,
      budgetTokens: 4000,
      tools: 'native',
      task: { ...task, description: 'Tidy src/big.ts' },
    });
    expect(user).toMatch(
      /src\/big\.ts \(lines 1-\d+ of 3001; partial: read_file shows the rest; edit it with SEARCH\/REPLACE, never whole\)/,
    );
    expect(user).toContain('export const v0 = 0;');
  });
});

describe('buildCoderMessages: a tiny budget', () => {
  it('still gives the task', async () => {
    const root = await repo();
    const { user } = await build({ repoRoot: root, budgetTokens: 1, feedback: 'x'.repeat(5000) });
    expect(user).toMatch(/^# Task: Fix pagination\n/);
    expect(user).not.toContain('# Repository files');
  });
});

describe('buildCoderMessages: what it reads', () => {
  it('skips deleted files, binaries and symlinks that leave the worktree', async () => {
    const outside = await tempDir();
    await writeFiles(outside, { 'secret.txt': 'TOP SECRET\n' });
    const root = await repo({ 'img.bin': 'a\0b\0c' });
    await symlink(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
    const { user } = await build({
      repoRoot: root,
      changedFiles: ['gone.ts', 'img.bin', 'link.txt', '../outside.txt'],
      task: { ...task, description: 'Look at link.txt and img.bin' },
    });
    expect(user).not.toContain('TOP SECRET');
    expect(user).not.toContain('gone.ts\n```');
    expect(user).not.toContain('img.bin\n```');
  });

  it('uses a longer fence for files that contain one', async () => {
    const root = await repo({ 'docs/guide.md': '# Guide\n\n```sh\nnpm test\n```\n' });
    const { user } = await build({ repoRoot: root, task: { ...task, description: 'Edit docs/guide.md' } });
    expect(user).toContain('docs/guide.md\n````markdown\n# Guide\n\n```sh\nnpm test\n```\n````');
  });
});
