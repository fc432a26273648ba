/**
 * The visual phase of an attempt, and the design spec it is judged against. The loop asks for the
 * spec first (a visual task's first step, or the first attempt found to be visual by its diff),
 * then, after every passing check, has the page looked at: screenshots, what the describer saw,
 * the browser's errors. Whether that is right is the Sheriff's call, never the describer's.
 */
import type { ChatRequest, ChatResponse, TextMessage } from '../../llm/types.js';
import type { TaskSpec, VisualLook } from '../types.js';
import type { Prompts } from '../prompts/index.js';
import type { ContextWindow } from '../context/window.js';
import { fittedTurn } from '../fitted-turn.js';
import { renderTask } from '../context/room.js';

export interface SpecViewport {
  name: string;
  width: number;
  height: number;
  mobile?: boolean;
}

/** What the loop needs for a task that may get the visual check (tasks/ and visual/ provide it). */
export interface VisualDeps {
  /** The task asked for the visual check (task file, --visual): its spec is the run's first step. */
  asked: boolean;
  /** Whether a change touching these paths (relative to the worktree) gets the visual check. */
  applies(changedPaths: readonly string[]): boolean;
  /** The screen sizes, for the spec's prompt. */
  viewports: readonly SpecViewport[];
  /** Starts the app, captures every viewport and has each screenshot described. */
  look(attempt: number, signal: AbortSignal): Promise<VisualLook>;
  /** Keeps a spec the model wrote in the task's record. */
  saveSpec(spec: string): Promise<void>;
}

/** A spec longer than this is cut: it is a checklist for the judge, not a document. */
export const MAX_SPEC_CHARS = 3000;

export function specMessages(
  task: TaskSpec,
  viewports: readonly SpecViewport[],
  prompts: Pick<Prompts, 'spec'>,
): TextMessage[] {
  const sizes = viewports.map((v) => `- ${v.name}: ${v.width}x${v.height}${v.mobile ? ' (a phone)' : ''}`);
  const { designSpec: _none, ...bare } = task;
  return [
    { role: 'system', content: prompts.spec.trim() },
    {
      role: 'user',
      content: [
        renderTask(bare),
        `# Screen sizes the result will be looked at\n${sizes.join('\n')}`,
        'Write the design spec.',
      ].join('\n\n'),
    },
  ];
}

/** The spec in the model's answer: its text, trimmed and capped; '' when it wrote none. */
export function specFromReply(r: ChatResponse): string {
  const text = r.content.trim();
  return text.length <= MAX_SPEC_CHARS ? text : `${text.slice(0, MAX_SPEC_CHARS)}\n…[cut]`;
}

/** Asks the Coder model for the design spec (one fitted turn, logged by the loop as role 'spec'). */
export async function askSpec(
  window: ContextWindow,
  task: TaskSpec,
  viewports: readonly SpecViewport[],
  prompts: Pick<Prompts, 'spec'>,
  temperature: number,
  send: (req: ChatRequest) => Promise<ChatResponse>,
  say: (line: string) => void,
): Promise<string> {
  const messages = specMessages(task, viewports, prompts);
  const { reply } = await fittedTurn(
    window,
    {
      role: 'spec',
      temperature,
      build: () => messages,
    },
    send,
    say,
  );
  return specFromReply(reply);
}
