import type { ChatMessage, ChatRequest, ChatResponse, ToolSpec } from '../llm/types.js';
import { ContextOverflowError } from '../llm/context-overflow.js';
import type { ContextWindow } from './context/window.js';

/** One model turn before it is fitted: how to build its prompt for a budget, and what goes with it. */
export interface Turn {
  role: 'coder' | 'sheriff' | 'spec' | 'planner';
  /** The messages for a prompt budget in tokens (4 characters each). */
  build: (budgetTokens: number) => Promise<ChatMessage[]> | ChatMessage[];
  tools?: ToolSpec[];
  temperature: number;
}

/** The whole `max_tokens` went to reasoning: cut while thinking, with no answer at all. */
export function thinkingOnly(r: ChatResponse): boolean {
  return r.finishReason === 'length' && !r.content.trim() && r.reasoning.trim() !== '' && !r.toolCalls.length;
}

/**
 * Sends one turn fitted to the context window: the prompt is built for the window's budget and
 * `max_tokens` is what the window leaves (refused before sending when not even a short answer
 * fits). A server that still finds the prompt too long says by how much: the prompt is rebuilt
 * smaller and sent once more. A reasoning model that thought through its whole `max_tokens` gets
 * one more try with a larger limit, when the context has room for it.
 */
export async function fittedTurn(
  window: ContextWindow,
  turn: Turn,
  send: (req: ChatRequest) => Promise<ChatResponse>,
  say: (line: string) => void,
): Promise<{ messages: ChatMessage[]; reply: ChatResponse }> {
  let shrunk = false;
  for (;;) {
    const messages = await turn.build(window.promptBudget(turn.tools));
    const estimated = window.estimate(messages, turn.tools);
    const maxTokens = window.maxTokens(estimated, turn.role);
    const req: ChatRequest = {
      messages,
      maxTokens,
      temperature: turn.temperature,
      ...(turn.tools ? { tools: turn.tools } : {}),
    };
    let reply: ChatResponse;
    try {
      reply = await send(req);
    } catch (e) {
      if (!(e instanceof ContextOverflowError) || shrunk) throw e;
      shrunk = true;
      window.learnOverflow(e.promptTokens, e.contextTokens, estimated, e.server);
      say(
        `the ${turn.role} prompt (${e.promptTokens} tokens) did not fit the server's context of ${e.contextTokens} tokens; shrinking it and retrying once`,
      );
      continue;
    }
    window.learnUsage(reply.usage, estimated);
    if (!thinkingOnly(reply)) return { messages, reply };
    const room = window.room(window.estimate(messages, turn.tools));
    const larger = Math.floor(Math.min(room, maxTokens * 2));
    const thought = `the model spent all ${maxTokens} tokens of its ${turn.role} answer thinking and wrote no answer`;
    // A few more tokens would not change much: only a clearly larger limit is worth a retry.
    if (larger < maxTokens * 1.25) {
      say(
        `${thought}; the context (${window.tokens} tokens) has no room for a longer one — raise ${window.limit?.setting ?? 'the context size'}, or use a model that thinks less`,
      );
      return { messages, reply };
    }
    say(`${thought}; retrying once with max_tokens ${larger}`);
    const again = await send({ ...req, maxTokens: larger });
    window.learnUsage(again.usage, estimated);
    if (thinkingOnly(again))
      say(
        `the model thought through all ${larger} tokens again without answering; lower its reasoning effort`,
      );
    return { messages, reply: again };
  }
}
