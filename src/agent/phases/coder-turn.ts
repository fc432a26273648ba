/**
 * The Coder's turn of one attempt: its first answer, then its tool calls round by round until it
 * stops calling (or the rounds run out), each turn fitted to the server's context. With
 * `tools: "auto"` a server that cannot do tools makes the turn start again in text mode.
 */
import type { ChatMessage, ChatRequest, ChatResponse } from '../../llm/types.js';
import type { ToolResult } from '../types.js';
import type { FileTools } from '../tools/index.js';
import type { ContextWindow } from '../context/window.js';
import type { ToolFallback } from '../tool-fallback.js';
import { fittedTurn } from '../fitted-turn.js';
import { fitConversation } from '../context/convo.js';
import { brokenCallsNotice, notRunOutput, splitCalls } from '../tool-calls.js';

export interface CoderTurnDeps {
  window: ContextWindow;
  tools: FileTools;
  /** Sends one request to the Coder (streamed, logged, counted by the loop). */
  send: (req: ChatRequest) => Promise<ChatResponse>;
  say: (line: string) => void;
  /** Records one tool call's result (a step commit when it changed files). */
  record: (tool: string, result: ToolResult) => Promise<void>;
  /** The Coder's context for a budget, with native tools or for text edits. */
  build: (budgetTokens: number, tools: 'native' | 'text') => Promise<ChatMessage[]> | ChatMessage[];
  /** Called once the first answer is in: the edits phase starts. */
  onAnswer: () => void;
  /** Called when the run switches to text edits, with why. */
  onTextMode: (why: string) => void;
  settings: {
    tools: 'auto' | 'native' | 'text';
    temperature: number;
    maxTokensPerTurn: number;
    maxToolRounds?: number;
  };
  fallback?: ToolFallback;
}

/** One turn with or without native tools: the answer after the last tool round. */
async function turnWith(d: CoderTurnDeps, withTools: boolean): Promise<ChatResponse> {
  const turn = {
    role: 'coder' as const,
    temperature: d.settings.temperature,
    ...(withTools ? { tools: d.tools.specs() } : {}),
  };
  const first = await fittedTurn(
    d.window,
    { ...turn, build: (budgetTokens) => d.build(budgetTokens, withTools ? 'native' : 'text') },
    d.send,
    d.say,
  );
  let reply = first.reply;
  d.onAnswer();
  const convo = [...first.messages];
  for (let round = 0; reply.toolCalls.length && round < (d.settings.maxToolRounds ?? 8); round++) {
    // A call whose arguments do not parse (cut by max_tokens) is never run nor replayed.
    const { runnable, broken } = splitCalls(reply.toolCalls);
    const cut = reply.finishReason === 'length';
    convo.push({
      role: 'assistant',
      content: reply.content,
      ...(runnable.length ? { toolCalls: runnable } : {}),
    });
    for (const tc of runnable) {
      const result = await d.tools.call(tc.name, tc.arguments);
      await d.record(tc.name, result);
      convo.push({ role: 'tool', toolCallId: tc.id, content: result.output });
    }
    for (const b of broken)
      await d.record(b.call.name, { ok: false, output: notRunOutput(cut), changed: [] });
    if (broken.length) {
      convo.push({ role: 'user', content: brokenCallsNotice(broken, cut, d.settings.maxTokensPerTurn) });
    }
    const next = await fittedTurn(
      d.window,
      { ...turn, build: (budgetTokens) => fitConversation(convo, budgetTokens) },
      d.send,
      d.say,
    );
    reply = next.reply;
  }
  return reply;
}

/** The Coder's final answer of this attempt, falling back to text edits when "auto" must. */
export async function coderTurn(d: CoderTurnDeps): Promise<ChatResponse> {
  const { tools } = d.settings;
  let native = tools === 'native' || (tools === 'auto' && !d.fallback?.textOnly);
  for (;;) {
    try {
      return await turnWith(d, native);
    } catch (e) {
      const step = native && tools === 'auto' && d.fallback ? d.fallback.judge(e) : 'fail';
      if (step === 'fail') throw e;
      if (step === 'text') {
        native = false;
        d.onTextMode(d.fallback!.why ?? 'switched to text edits');
      }
    }
  }
}
