import type OpenAI from 'openai';
import type { ChatMessage, ChatRequest } from './types.js';

type WireMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type WireRequest = OpenAI.Chat.Completions.ChatCompletionCreateParams;

function toWireMessage(m: ChatMessage): WireMessage {
  if (m.role === 'tool') return { role: 'tool', content: m.content, tool_call_id: m.toolCallId ?? '' };
  if (m.role === 'assistant') {
    const calls = m.toolCalls?.map((c) => ({
      id: c.id,
      type: 'function' as const,
      function: { name: c.name, arguments: c.arguments },
    }));
    // Content stays a string even beside tool calls: some chat templates fail on null.
    return calls?.length
      ? { role: 'assistant', content: m.content, tool_calls: calls }
      : { role: 'assistant', content: m.content };
  }
  return { role: m.role, content: m.content };
}

/**
 * The request body every server gets. `max_tokens` always, since small local servers otherwise
 * stop early or run forever; usage always asked for, since mlx_lm.server sends it only then.
 */
export function toWireRequest(model: string, req: ChatRequest, stream: boolean): WireRequest {
  return {
    model,
    messages: req.messages.map(toWireMessage),
    max_tokens: req.maxTokens,
    ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
    ...(req.stop?.length ? { stop: req.stop } : {}),
    ...(req.tools?.length
      ? {
          tools: req.tools.map((t) => ({
            type: 'function' as const,
            function: { name: t.name, description: t.description, parameters: t.parameters },
          })),
        }
      : {}),
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : { stream: false }),
  };
}
