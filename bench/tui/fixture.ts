import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openRepo, type Repo } from '../../src/git/repo.js';
import { createTask } from '../../src/tasks/create.js';
import { DEFAULT_WORKTREE_OPTIONS } from '../../src/tasks/options.js';
import { appendEvent } from '../../src/tasks/record.js';
import { TaskWorkspace } from '../../src/tasks/workspace.js';
import type { GeneratedRepo } from '../gen-repo.js';
import { rawGit } from '../raw-git.js';

/** The repo the review opens: many small tasks and one whose diff is huge. */
export interface ReviewFixture {
  repo: Repo;
  /** Files in the generated repo. */
  size: number;
  tasks: number;
  ids: number[];
  /** The task with the big diff: the newest, so `G` selects it in the list. */
  big: { id: number; base: string; branch: string };
  /** Lines of `git diff base branch` of the big task. */
  diffLines: number;
}

export const TASKS = 50;
/** Lines of plain `git diff` the big task should make (the 20,000-line diff). */
export const DIFF_LINES = 20_000;
/** Existing files the big task edits in two places, besides adding one long generated file. */
const EDITED = 200;
/** `git diff` lines per edited generated file: 5 header lines, one hunk of its 10 lines plus 2. */
const LINES_PER_EDIT = 17;
/** Header lines of a new file's diff: diff, new file mode, index, ---, +++, @@. */
const NEW_FILE_HEADER = 6;

/** Tasks made at the same time. */
const PARALLEL = 4;

type Files = Record<string, string>;

/** A generated file with two lines changed: one hunk covering the whole file. */
const edited = (content: string, tag: string) =>
  content
    .replace(/^(export const \w+ = )(\d+);$/m, `$1$2 + 1; // ${tag}`)
    .replace(/let acc = /, 'let acc = 1 + ');

function bigNewFile(lines: number): string {
  const out = [];
  for (let i = 0; i < lines; i++)
    out.push(`export const ROW_${i} = { id: ${i}, label: 'row ${i}', weight: ${i % 97} };`);
  return `${out.join('\n')}\n`;
}

/** An ordinary task's attempts (two for every fifth task): one file changed, then one added, a step each. */
export function smallAttempts(gen: GeneratedRepo, k: number, read: (rel: string) => string): Files[][] {
  const pick = (j: number) => gen.files[(k * 7919 + j * 104_729) % gen.files.length]!;
  const attempt = (j: number): Files[] => [
    { [pick(j)]: edited(read(pick(j)), `task ${k} attempt ${j}`) },
    { [`src/added/task${k}/note${j}.ts`]: `export const NOTE_${k}_${j} = 'task ${k}, attempt ${j}';\n` },
  ];
  return k % 5 === 0 ? [attempt(1), attempt(2)] : [attempt(1)];
}

/** The big task's single attempt: a long generated file, then many small edits. */
function bigAttempt(gen: GeneratedRepo, read: (rel: string) => string): Files[] {
  const edits: Files = {};
  for (const rel of gen.files.slice(0, EDITED)) edits[rel] = edited(read(rel), 'big task');
  const newLines = DIFF_LINES - EDITED * LINES_PER_EDIT - NEW_FILE_HEADER;
  return [{ 'src/generated/rows.ts': bigNewFile(newLines) }, edits];
}

async function write(root: string, files: Files): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), content);
  }
}

/**
 * One task made by the engine as the agent loop would: each attempt is a few step commits (one
 * per group of files) and an attempt commit; the event log ends with a status, as the runner's does.
 */
export async function makeTask(repo: Repo, title: string, attempts: Files[][], passed: boolean) {
  const { record } = await createTask(repo, DEFAULT_WORKTREE_OPTIONS, { title });
  const ws = await TaskWorkspace.open(repo, record.id, DEFAULT_WORKTREE_OPTIONS);
  try {
    for (const [a, steps] of attempts.entries()) {
      const n = await ws.nextAttempt();
      for (const [s, files] of steps.entries()) {
        await write(ws.worktree, files);
        await ws.commitStep({ attempt: n, step: s + 1, tool: 'write_file', paths: Object.keys(files) });
      }
      const ok = passed && a === attempts.length - 1;
      await ws.commitAttempt({
        attempt: n,
        checkExit: ok ? 0 : 1,
        verdict: ok ? 'PASS' : 'FAIL',
        durationMs: 1200,
        outcome: ok ? 'passed' : 'failed',
      });
    }
  } finally {
    await ws.close();
  }
  await appendEvent(repo, record.id, 'status', { status: passed ? 'passed' : 'failed' });
  return record;
}

/** 50 tasks on a generated repo, made with the engine directly (no model loop): a few seconds. */
export async function makeReviewFixture(gen: GeneratedRepo): Promise<ReviewFixture> {
  const repo = await openRepo(gen.root);
  const read = (rel: string) => readFileSync(path.join(gen.root, rel), 'utf8');
  // Tasks are independent, and the engine makes them in parallel (the repo lock covers the id and
  // the worktree add): four at a time halve the setup on a small machine.
  const ids: number[] = [];
  let next = 1;
  const worker = async () => {
    for (let k = next++; k < TASKS; k = next++) {
      const title = `Small change number ${k} to the generated modules`;
      ids.push((await makeTask(repo, title, smallAttempts(gen, k, read), k % 4 !== 0)).id);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  const title = `Add the generated rows table and touch ${EDITED} modules`;
  const rec = await makeTask(repo, title, [bigAttempt(gen, read)], true);
  ids.push(rec.id);
  const diff = await rawGit(gen.root, 'diff', rec.base, rec.branch);
  return {
    repo,
    size: gen.size,
    tasks: TASKS,
    ids,
    big: { id: rec.id, base: rec.base, branch: rec.branch },
    diffLines: diff.split('\n').length - 1,
  };
}
