import { dialects, type Dialect } from './dialects.js';
import { cutToTokens, maxTokensOf } from './max-tokens.js';
import type { Reply } from './script.js';
import { promptText } from './images.js';

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
  /** Prompt tokens served from the cache (for usage and llama-server's timings). */
  cachedTokens: number;
}

interface RequestBody {
  messages?: { content?: unknown }[];
  tools?: unknown[];
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  n_predict?: unknown;
}

/**
 * Pieces of `size` characters, counted in code points: a character outside the BMP (two UTF-16
 * units) is never split, as no real server splits a multi-byte character across chunks.
 */
function split(text: string | string[] | undefined, size: number): string[] {
  if (text === undefined) return [];
  if (Array.isArray(text)) return text;
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

/** Tokens a piece stands for, from its length in code points. */
const tokensIn = (text: string): number => tokensOf(Array.from(text).length);

export function promptTokensOf(body: RequestBody): number {
  let chars = body.tools ? JSON.stringify(body.tools).length : 0;
  for (const m of body.messages ?? []) chars += promptText(m.content).length;
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
  let native = style === 'native' ? calls : [];
  let reasoning = reply.reasoning;
  let finish = reply.finish;
  // llama-server stops at max_tokens, wherever it is, even inside a tool call's arguments.
  const limit = traits.llama?.honoursMaxTokens ? maxTokensOf(body) : undefined;
  let cutTokens: number | undefined;
  if (limit !== undefined) {
    const cut = cutToTokens({ reasoning, content, calls: native }, limit);
    if (cut) {
      ({ reasoning, content, calls: native } = cut);
      cutTokens = limit;
      finish = 'length';
    }
  }

  const pieces: Piece[] = [];
  for (const r of split(reasoning, size)) {
    pieces.push({ delta: { [traits.reasoningField]: r }, tokens: tokensIn(r) });
  }
  for (const c of split(content, size)) pieces.push({ delta: { content: c }, tokens: tokensIn(c) });
  native.forEach((c, index) => {
    const at = traits.toolCallIndex ? { index } : {};
    const head = { ...at, id: c.id, type: 'function' };
    // llama-server sends a call once its name and first argument token are parsed; a later call
    // is parsed whole before it is sent.
    if (traits.toolCallsWhole || (traits.llama?.toolCallHeadWithArguments && index > 0)) {
      const piece = { ...head, function: { name: c.name, arguments: c.arguments } };
      pieces.push({ delta: { tool_calls: [piece] }, tokens: tokensIn(c.name + c.arguments) });
      return;
    }
    const frags = split(c.arguments, traits.llama ? size : 8);
    const first = traits.llama?.toolCallHeadWithArguments ? (frags.shift() ?? '') : '';
    pieces.push({
      delta: { tool_calls: [{ ...head, function: { name: c.name, arguments: first } }] },
      tokens: tokensIn(c.name + first),
    });
    for (const frag of frags) {
      pieces.push({
        delta: { tool_calls: [{ ...at, function: { arguments: frag } }] },
        tokens: tokensIn(frag),
      });
    }
  });

  const reasoningText = Array.isArray(reasoning) ? reasoning.join('') : (reasoning ?? '');
  const contentText = Array.isArray(content) ? content.join('') : (content ?? '');
  const callChars = native.reduce((n, c) => n + c.name.length + c.arguments.length, 0);
  const promptTokens = reply.usage?.prompt ?? promptTokensOf(body);
  const counted = Math.ceil(tokensOf(reasoningText.length + contentText.length + callChars));
  const completionTokens = Math.min(reply.usage?.completion ?? counted, cutTokens ?? Infinity);
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
    // llama-server writes "" beside tool calls; the others null.
    content: contentText || (native.length > 0 && !traits.llama ? null : ''),
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
    finish: finish ?? (native.length > 0 ? 'tool_calls' : 'stop'),
    usage,
    message,
    promptTokens,
    completionTokens,
    cachedTokens: reply.usage?.cached ?? 0,
  };
}
