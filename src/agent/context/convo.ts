import type { ChatMessage } from '../../llm/types.js';
import { contentChars } from '../../llm/content.js';
import { CHARS_PER_TOKEN } from '../tokens.js';
import { keepHead } from './text.js';

/** What every tool result keeps however full the context is: its first lines say what it was. */
const MIN_RESULT_CHARS = 240;

const size = (m: ChatMessage): number =>
  contentChars(m.content) + (m.toolCalls ?? []).reduce((n, c) => n + c.name.length + c.arguments.length, 0);

/**
 * A Coder conversation with tool rounds, within `budgetTokens` (at 4 characters each): the system
 * prompt and the first user message stay whole (they were built to the budget); the oldest tool
 * results are cut first, down to their head. The conversation itself is left as it is.
 */
export function fitConversation<M extends ChatMessage>(convo: M[], budgetTokens: number): M[] {
  const max = Math.floor(budgetTokens * CHARS_PER_TOKEN);
  let excess = convo.reduce((n, m) => n + size(m), 0) - max;
  if (excess <= 0) return convo;
  return convo.map((m) => {
    // Only text is cut: a message with images (parts) stays whole.
    if (
      excess <= 0 ||
      m.role !== 'tool' ||
      typeof m.content !== 'string' ||
      m.content.length <= MIN_RESULT_CHARS
    )
      return m;
    const keep = Math.max(MIN_RESULT_CHARS, m.content.length - excess);
    const content = keepHead(m.content, keep) || m.content.slice(0, MIN_RESULT_CHARS);
    excess -= m.content.length - content.length;
    return { ...m, content };
  });
}
