import type OpenAI from 'openai';
import { contentText, imageDataURL } from './content.js';
import type { ChatMessage, ChatRequest, MessageContent } from './types.js';

type WireMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type WireRequest = OpenAI.Chat.Completions.ChatCompletionCreateParams;
type WirePart = OpenAI.Chat.Completions.ChatCompletionContentPart;

/**
 * A user message's parts as OpenAI sends them: text parts, and images as `image_url` parts with
 * a data URL (what mlx-vlm, llama-server's mtmd and Ollama's OpenAI route read).
 */
function toWireParts(content: MessageContent): string | WirePart[] {
  if (typeof content === 'string') return content;
  return content.map((p) =>
    p.type === 'image'
      ? { type: 'image_url' as const, image_url: { url: imageDataURL(p) } }
      : { type: 'text' as const, text: p.text },
  );
}

function toWireMessage(m: ChatMessage): WireMessage {
  if (m.role === 'user') return { role: 'user', content: toWireParts(m.content) };
  // Only a user message may carry an image in the API: other roles get its label as text.
  const text = contentText(m.content);
  if (m.role === 'tool') return { role: 'tool', content: text, tool_call_id: m.toolCallId ?? '' };
  if (m.role === 'assistant') {
    const calls = m.toolCalls?.map((c) => ({
      id: c.id,
      type: 'function' as const,
      function: { name: c.name, arguments: c.arguments },
    }));
    // Content stays a string even beside tool calls: some chat templates fail on null.
    return calls?.length
      ? { role: 'assistant', content: text, tool_calls: calls }
      : { role: 'assistant', content: text };
  }
  return { role: m.role, content: text };
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
