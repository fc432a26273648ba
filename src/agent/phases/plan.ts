import type { ChatMessage, ChatRequest, ChatResponse, TextMessage } from '../../llm/types.js';
import type { TaskSpec } from '../types.js';
import type { Prompts } from '../prompts/index.js';
import type { ContextWindow } from '../context/window.js';
import { fittedTurn } from '../fitted-turn.js';
import { Room, renderTask } from '../context/room.js';
import { listRepoFiles } from '../context/files.js';
import { mapSection } from '../context/repo.js';
import { CHARS_PER_TOKEN } from '../tokens.js';
import { parsePlan, unsplitPlan, type Plan } from '../plan.js';
import { stripThinking } from '../sheriff.js';

export interface PlanTurnInput {
  window: ContextWindow;
  /** The task as the user gave it (title, description, constraints, a spec from the task file). */
  task: TaskSpec;
  /** Where the repository's file list is read (the parent task's worktree). */
  repoRoot: string;
  prompts: Pick<Prompts, 'planner'>;
  temperature: number;
  /** One model request; the caller logs its prompt and reply with role 'planner'. */
  send: (req: ChatRequest) => Promise<ChatResponse>;
  say: (line: string) => void;
}

export interface PlanOutcome {
  /** The plan, or the unsplit fallback with the planner's text as the brief. */
  plan: Plan & { unsplit?: true };
  /** Model requests made: 1, or 2 when the first answer was not a valid plan. */
  tries: number;
  /** Why the last answer was not a valid plan (the fallback's reason). */
  error?: string;
}

const CLOSING = 'Write the plan as one JSON object.';

/** The planner's first prompt: the task and the repository's files, within the budget. */
export async function plannerMessages(input: PlanTurnInput, budgetTokens: number): Promise<TextMessage[]> {
  const system = input.prompts.planner.trim();
  const task = renderTask(input.task);
  const room = new Room(
    Math.floor(budgetTokens * CHARS_PER_TOKEN) - system.length - task.length - CLOSING.length - 4,
  );
  const paths = await listRepoFiles(input.repoRoot, { untracked: true });
  const map = mapSection(room, paths, []);
  return [
    { role: 'system', content: system },
    { role: 'user', content: [task, map, CLOSING].filter(Boolean).join('\n\n') },
  ];
}

/** What the planner is told when its answer is not a valid plan: the problems, one per line. */
export function retryMessage(error: string): string {
  return `Your answer is not a valid plan:\n${error}\n\nAnswer again with only the corrected JSON object.`;
}

/**
 * The planner turn: one fitted request; an answer that is not a valid plan gets one more request
 * with the validation errors; a second invalid answer gives the unsplit fallback, whose brief is
 * the planner's text (the task's own description when it wrote nothing).
 */
export async function planTurn(input: PlanTurnInput): Promise<PlanOutcome> {
  const turn = (build: (budget: number) => Promise<ChatMessage[]> | ChatMessage[]) =>
    fittedTurn(
      input.window,
      { role: 'planner', temperature: input.temperature, build },
      input.send,
      input.say,
    );
  const first = await turn((budget) => plannerMessages(input, budget));
  const parsed = parsePlan(first.reply.content);
  if (parsed.ok) return { plan: parsed.plan, tries: 1 };
  input.say(`the planner's answer is not a valid plan; asking once more`);
  const again = await turn(() => [
    ...first.messages,
    { role: 'assistant', content: first.reply.content },
    { role: 'user', content: retryMessage(parsed.error) },
  ]);
  const second = parsePlan(again.reply.content);
  if (second.ok) return { plan: second.plan, tries: 2 };
  const text = stripThinking(again.reply.content).trim() || input.task.description;
  input.say('the planner gave no valid plan twice; the task runs unsplit with its answer as the brief');
  return { plan: unsplitPlan(text), tries: 2, error: second.error };
}
