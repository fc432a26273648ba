import type { ContextLimit } from '../../llm/context-size.js';
import type { TaskSpec } from '../types.js';
import { coderSystemPrompt, type Prompts } from '../prompts/index.js';
import { renderTask } from './room.js';
import { ContextWindow } from './window.js';
import { TOOL_SPECS } from '../tools/index.js';

/**
 * Refuses (exit 2), before a task exists, when the smallest useful Coder prompt — its system
 * prompt, the task and the tool specs, nothing of the repository — and a short answer cannot fit
 * the server's context. Any larger context is used as it is: the prompt is then fitted to it.
 */
export function checkContextFits(
  limit: ContextLimit | null,
  task: TaskSpec,
  prompts: Prompts,
  opts: { maxTokensPerTurn: number; tools: 'auto' | 'native' | 'text' },
): void {
  if (!limit || limit.tokens === null) return;
  const native = opts.tools !== 'text';
  const window = new ContextWindow(opts.maxTokensPerTurn, limit);
  const messages = [
    { role: 'system' as const, content: coderSystemPrompt(prompts, task.mode, native ? 'native' : 'text') },
    { role: 'user' as const, content: `${renderTask(task)}\n\nAttempt 1: reply with your edits.` },
  ];
  window.maxTokens(window.estimate(messages, native ? TOOL_SPECS : undefined), 'Coder');
}
