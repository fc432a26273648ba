import type { TextMessage } from '../../llm/types.js';
import type { SheriffReport, TaskSpec } from '../types.js';
import { coderSystemPrompt, type Prompts } from '../prompts/index.js';
import { CHARS_PER_TOKEN } from '../tokens.js';
import { listRepoFiles, PathIndex } from './files.js';
import { fenced, stripAnsi } from './text.js';
import { Room, fit, renderTask } from './room.js';
import { filesSection, mapSection, rankFiles } from './repo.js';

export { buildSheriffMessages, type SheriffContextInput } from './judge.js';

export interface CoderContextInput {
  task: TaskSpec;
  /** The task's worktree. */
  repoRoot: string;
  prompts: Prompts;
  /** The whole context (system and user message), estimated at ~4 characters per token. */
  budgetTokens: number;
  attempt: number;
  /** false when an earlier attempt of this run already committed every untracked file. */
  listUntracked?: boolean;
  /** The last check; `output` is its head and tail as the executor kept them. */
  lastCheck?: { command: string; exitCode: number | null; output: string };
  sheriff?: SheriffReport | null;
  /** The user's feedback when resuming. */
  feedback?: string;
  /** Worktree paths changed so far in this task. */
  changedFiles?: string[];
  tools: 'native' | 'text';
  /** Problems with the last reply (a SEARCH block that matched nothing, with the closest snippet). */
  problems?: string[];
}

/*
 * Shares of the budget the lower-priority sections may take at most, so a long check output
 * cannot crowd out every file. What a section leaves unused passes down the priority order:
 * task > feedback > problems > check tail > sheriff > relevant files > repo map.
 */
const SHARE = { feedback: 0.2, problems: 0.2, check: 0.25, sheriff: 0.15 };

/**
 * A fresh context for one Coder turn: a system message (the Coder prompt) and one user message
 * with the task, the repo map, the files that matter, the last check's tail, the Sheriff's
 * report, the problems with the last reply and the user's feedback, within `budgetTokens`.
 * Nothing of earlier turns is carried over but what is listed here.
 */
export async function buildCoderMessages(input: CoderContextInput): Promise<TextMessage[]> {
  const total = Math.floor(input.budgetTokens * CHARS_PER_TOKEN);
  const system = coderSystemPrompt(input.prompts, input.task.mode, input.tools);
  const closing = closingLine(input);
  const room = new Room(total - system.length - closing.length - 2);

  const task = room.take(fit((b) => b, renderTask(input.task), Math.max(room.left, 400), 'head'));
  const feedback = input.feedback?.trim()
    ? room.section('# Feedback from the user', input.feedback.trim(), total * SHARE.feedback, 'head')
    : '';
  const problems = input.problems?.length
    ? room.section(
        '# Problems with your last reply',
        input.problems.map((p) => `- ${p.trim()}`).join('\n'),
        total * SHARE.problems,
        'head',
      )
    : '';
  const check = input.lastCheck ? checkSection(room, input.lastCheck, total * SHARE.check) : '';
  const sheriff = input.sheriff ? sheriffSection(room, input.sheriff, total * SHARE.sheriff) : '';

  const paths = await listRepoFiles(input.repoRoot, { untracked: input.listUntracked !== false });
  const ranked = rankFiles(input, new PathIndex(paths, input.repoRoot));
  const files = await filesSection(room, input.repoRoot, ranked, input.tools, input.changedFiles);
  const map = mapSection(room, paths, ranked);

  const user = [task, map, files, check, sheriff, problems, feedback, closing].filter(Boolean).join('\n\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

function closingLine(input: CoderContextInput): string {
  const script = input.task.mode === 'script';
  const retry = Boolean(input.lastCheck || input.sheriff || input.problems?.length) || input.attempt > 1;
  if (!retry)
    return `Attempt ${input.attempt}: reply with ${script ? 'the complete script, as one fenced block' : 'your edits'}.`;
  const state = script ? '' : ' The files shown are the current state, with your earlier changes.';
  const what = script ? 'the corrected script, as one fenced block' : 'the edits that fix it';
  return `Attempt ${input.attempt}: the last attempt did not pass (see above).${state} Reply with ${what}.`;
}

function checkSection(room: Room, c: NonNullable<CoderContextInput['lastCheck']>, cap: number): string {
  const status =
    c.exitCode === null
      ? `\`${c.command}\` did not finish (it timed out or was killed).`
      : c.exitCode === 0
        ? `\`${c.command}\` passed (exit code 0).`
        : `\`${c.command}\` failed with exit code ${c.exitCode}.`;
  const output = stripAnsi(c.output).trimEnd();
  const header = `# Last check\n${status}`;
  if (!output) return room.take(`${header} It printed nothing.`);
  return room.section(`${header} The end of its output:`, output, cap, 'tail', (b) => fenced(b));
}

function sheriffSection(room: Room, s: SheriffReport, cap: number): string {
  const body = [
    `Verdict: ${s.verdict}`,
    s.analysis && `Analysis: ${s.analysis}`,
    s.fix && `Suggested fix: ${s.fix}`,
  ]
    .filter(Boolean)
    .join('\n');
  return room.section("# The reviewer's report on the last attempt", body, cap, 'head');
}
