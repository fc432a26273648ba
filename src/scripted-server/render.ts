import { dialects, type Dialect } from './dialects.js';
import type { Reply } from './script.js';

/** The scripted tokenizer: about four characters per token, like the client's estimate. */
export const tokensOf = (chars: number): number => chars / 4;

/** One delta of a streamed answer, and how many tokens it stands for (for pacing). */
export interface Piece {
  delta: Record<string, unknown>;
  tokens: number;
}

export interface Plan {
  pieces: Piece[];
  finish: string;
  /** The `usage` object to send, or null when the reply says the server sends none. */
  usage: Record<string, unknown> | null;
  /** The whole message, for a request that does not stream. */
  message: Record<string, unknown>;
  promptTokens: number;
  completionTokens: number;
}

interface RequestBody {
  messages?: { content?: unknown }[];
  tools?: unknown[];
}

function split(text: string | string[] | undefined, size: number): string[] {
  if (text === undefined) return [];
  if (Array.isArray(text)) return text;
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

export function promptTokensOf(body: RequestBody): number {
  let chars = body.tools ? JSON.stringify(body.tools).length : 0;
  for (const m of body.messages ?? []) chars += typeof m.content === 'string' ? m.content.length : 0;
  return Math.ceil(tokensOf(chars));
}

/** Turns a reply into what the dialect sends: deltas for streaming, a message otherwise. */
export function planReply(reply: Reply, dialect: Dialect, body: RequestBody): Plan {
  const traits = dialects[dialect];
  const size = reply.chunkChars ?? 4;
  const calls = (reply.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `call_${i}_${Math.random().toString(36).slice(2, 10)}`,
    name: c.name,
    arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
  }));
  const style = reply.toolCallStyle ?? 'native';
  let content = reply.content;
  if (calls.length > 0 && style !== 'native') {
    const asJson = calls.map((c) => ({ name: c.name, arguments: JSON.parse(c.arguments) as unknown }));
    const written =
      style === 'tagged'
        ? asJson.map((c) => `<tool_call>\n${JSON.stringify(c)}\n</tool_call>`).join('\n')
        : JSON.stringify(asJson.length === 1 ? asJson[0] : asJson);
    content = [Array.isArray(content) ? content.join('') : (content ?? ''), written]
      .filter(Boolean)
      .join('\n');
  }
  const native = style === 'native' ? calls : [];

  const pieces: Piece[] = [];
  for (const r of split(reply.reasoning, size)) {
    pieces.push({ delta: { [traits.reasoningField]: r }, tokens: tokensOf(r.length) });
  }
  for (const c of split(content, size)) pieces.push({ delta: { content: c }, tokens: tokensOf(c.length) });
  native.forEach((c, index) => {
    const at = traits.toolCallIndex ? { index } : {};
    const head = { ...at, id: c.id, type: 'function' };
    if (traits.toolCallsWhole) {
      const piece = { ...head, function: { name: c.name, arguments: c.arguments } };
      pieces.push({ delta: { tool_calls: [piece] }, tokens: tokensOf(c.name.length + c.arguments.length) });
      return;
    }
    pieces.push({
      delta: { tool_calls: [{ ...head, function: { name: c.name, arguments: '' } }] },
      tokens: tokensOf(c.name.length),
    });
    for (const frag of split(c.arguments, 8)) {
      pieces.push({
        delta: { tool_calls: [{ ...at, function: { arguments: frag } }] },
        tokens: tokensOf(frag.length),
      });
    }
  });

  const reasoningText = Array.isArray(reply.reasoning) ? reply.reasoning.join('') : (reply.reasoning ?? '');
  const contentText = Array.isArray(content) ? content.join('') : (content ?? '');
  const callChars = native.reduce((n, c) => n + c.name.length + c.arguments.length, 0);
  const promptTokens = reply.usage?.prompt ?? promptTokensOf(body);
  const completionTokens =
    reply.usage?.completion ?? Math.ceil(tokensOf(reasoningText.length + contentText.length + callChars));
  const usage =
    reply.usage === null
      ? null
      : {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
          prompt_tokens_details: { cached_tokens: reply.usage?.cached ?? 0 },
        };
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: contentText || (native.length > 0 ? null : ''),
    ...(reasoningText ? { [traits.reasoningField]: reasoningText } : {}),
    ...(native.length > 0
      ? {
          tool_calls: native.map((c) => ({
            id: c.id,
            type: 'function',
            function: { name: c.name, arguments: c.arguments },
          })),
        }
      : {}),
  };
  return {
    pieces,
    finish: reply.finish ?? (native.length > 0 ? 'tool_calls' : 'stop'),
    usage,
    message,
    promptTokens,
    completionTokens,
  };
}
