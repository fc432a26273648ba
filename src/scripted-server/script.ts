import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { contextSchema } from './context.js';

/**
 * A script: the replies a scripted server gives, chosen by simple rules so a test or the demo
 * reads like a conversation. See fixtures/scripts/*.json for examples.
 */

/**
 * `error-event`: after `afterChunks` chunks the stream carries `data: {"error":{…}}` (the
 * dialect's error body, `status` and `message`) and ends with no `[DONE]`, as llama-server does
 * when generation fails mid-answer; before any chunk, or unstreamed, it is a plain HTTP error.
 */
const faultKind = z.enum([
  'refuse',
  'status',
  'loading',
  'cut',
  'stall',
  'malformed',
  'not-sse',
  'error-event',
]);

const faultSchema = z.object({
  kind: faultKind,
  /** For `status` and `error-event`: the HTTP status (default 500). */
  status: z.number().int().min(400).max(599).optional(),
  /** The error text the server sends, for `status`, `loading` and `error-event`. */
  message: z.string().optional(),
  /** For `cut`, `stall`, `malformed` and `error-event`: how many chunks go out first (default 2). */
  afterChunks: z.number().int().min(0).optional(),
  /** For `cut`: end the body cleanly instead of dropping the connection (still no `[DONE]`). */
  clean: z.boolean().optional(),
  /** Only the first N requests that reach this fault get it; later ones are answered normally. */
  times: z.number().int().min(1).optional(),
});

const matchSchema = z.union([
  z.string(),
  z.object({
    /** Substring of the last user message. */
    user: z.string().optional(),
    /** Substring of the system message. */
    system: z.string().optional(),
    /** Regular expression tested against the last user message. */
    regex: z.string().optional(),
    flags: z.string().optional(),
    /** Role of the last message, e.g. "tool" to answer a tool result. */
    last: z.enum(['system', 'user', 'assistant', 'tool']).optional(),
    /** Substring of the x-factory-task header. */
    task: z.string().optional(),
    /** Whether the request offers tools (a server started without tool support refuses those). */
    tools: z.boolean().optional(),
    /** Whether the request carries images (`image_url` parts): a describer's request does. */
    images: z.boolean().optional(),
  }),
]);

const toolCallSchema = z.object({
  name: z.string(),
  arguments: z.union([z.record(z.string(), z.unknown()), z.string()]),
  id: z.string().optional(),
});

const text = z.union([z.string(), z.array(z.string())]);

const size = z.tuple([z.number().int().positive(), z.number().int().positive()]);

/**
 * What the request's images must be once this reply is chosen: `count` of them (default: as many
 * as `sizes`), PNGs of `sizes` ([width, height], in order). A request that breaks it is refused
 * with a 400 in the dialect's error format, as a vision server refuses what it cannot read.
 */
const imagesSchema = z.object({
  count: z.number().int().min(0).optional(),
  sizes: z.array(size).optional(),
});

const replySchema = z.object({
  /** A string is a substring of the last user message; no match fits every request. */
  match: matchSchema.optional(),
  /** Used once, then skipped: consecutive `once` replies play a conversation in order. */
  once: z.boolean().optional(),
  /** A string is streamed in pieces of `chunkChars`; an array is streamed exactly as given. */
  content: text.optional(),
  /** Sent in the dialect's reasoning field (`reasoning` or `reasoning_content`). */
  reasoning: text.optional(),
  toolCalls: z.array(toolCallSchema).optional(),
  /** native (default): the API's tool_calls; tagged: `<tool_call>{..}</tool_call>` in content; bare: JSON content. */
  toolCallStyle: z.enum(['native', 'tagged', 'bare']).optional(),
  /** Default `tool_calls` when native tool calls are sent, else `stop`. */
  finish: z.string().optional(),
  /** Exact numbers to report; `null` sends no usage at all; absent: counted as chars / 4. */
  usage: z
    .object({
      prompt: z.number().optional(),
      completion: z.number().optional(),
      cached: z.number().optional(),
    })
    .nullable()
    .optional(),
  fault: z.union([faultKind, faultSchema]).optional(),
  /** Decode rate of this reply in tokens/s: a slow model, whatever the server's latency model. */
  tps: z.number().positive().optional(),
  /** Held until this many requests of `together` replies are in flight at once (together.ts). */
  together: z.number().int().min(2).optional(),
  chunkChars: z.number().int().positive().optional(),
  /** false: answer with one JSON completion even when asked to stream, as some servers do. */
  stream: z.boolean().optional(),
  /** The reply's text is this file, read as it is sent (see file-reply.ts); chunkChars default 64 KiB. */
  contentFile: z.string().optional(),
  /** The whole HTTP body is this file's bytes, sent as they are (a hand-made or broken SSE stream). */
  bodyFile: z.string().optional(),
  /** contentFile or bodyFile sent this many times over: a huge reply from a small file. */
  repeat: z.number().int().min(1).optional(),
  /** The images this reply requires of the request (see imagesSchema). */
  images: imagesSchema.optional(),
});

export const scriptSchema = z.object({
  /** The model the server serves; requests for another get the dialect's 404 (not llamacpp). */
  model: z.string().optional(),
  replies: z.array(replySchema).default([]),
  /** Answers when no reply fits. */
  default: replySchema.optional(),
  /** A fault for every request, before any reply is chosen (use `times` for a flaky start). */
  fault: z.union([faultKind, faultSchema]).optional(),
  /** The model's context, reported on the dialect's own route and enforced as it does (context.ts). */
  context: contextSchema.optional(),
});

export type Script = z.input<typeof scriptSchema>;
export type Reply = z.output<typeof replySchema>;
export type Fault = z.output<typeof faultSchema>;
export type FaultKind = z.output<typeof faultKind>;

export function loadScript(script: Script | string): z.output<typeof scriptSchema> {
  const raw: unknown = typeof script === 'string' ? JSON.parse(readFileSync(script, 'utf8')) : script;
  const parsed = scriptSchema.safeParse(raw);
  if (!parsed.success) {
    const where = typeof script === 'string' ? script : 'script';
    throw new Error(`${where}: ${z.prettifyError(parsed.error)}`);
  }
  // Files named in a script file are relative to it.
  const dir = typeof script === 'string' ? path.dirname(path.resolve(script)) : process.cwd();
  for (const r of [...parsed.data.replies, ...(parsed.data.default ? [parsed.data.default] : [])]) {
    if (r.contentFile) r.contentFile = path.resolve(dir, r.contentFile);
    if (r.bodyFile) r.bodyFile = path.resolve(dir, r.bodyFile);
  }
  return parsed.data;
}

/**
 * Several script files served as one: their replies in the order given, the first file's model,
 * default, fault and context. The eval serves every case's script at once this way, so each
 * case's replies must be told apart by what the request holds (never by `once`).
 */
export function loadScripts(files: readonly string[]): z.output<typeof scriptSchema> {
  const [first, ...rest] = files.map((f) => loadScript(f));
  if (!first) throw new Error('no script given');
  return { ...first, replies: [first, ...rest].flatMap((s) => s.replies) };
}

export function asFault(f: FaultKind | Fault | undefined): Fault | undefined {
  return typeof f === 'string' ? { kind: f } : f;
}

/** What the rules look at in a request. */
export interface Conversation {
  messages: { role?: string; content?: unknown }[];
  task?: string;
  /** The request offers tools. */
  tools?: boolean;
  /** How many images the request carries. */
  images?: number;
}

const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('')
      : '';

function fits(match: Reply['match'], conv: Conversation): boolean {
  if (match === undefined) return true;
  const lastUser = textOf([...conv.messages].reverse().find((m) => m.role === 'user')?.content);
  if (typeof match === 'string') return lastUser.includes(match);
  const system = conv.messages.filter((m) => m.role === 'system').map((m) => textOf(m.content));
  if (match.user !== undefined && !lastUser.includes(match.user)) return false;
  if (match.system !== undefined && !system.some((s) => s.includes(match.system!))) return false;
  if (match.regex !== undefined && !new RegExp(match.regex, match.flags).test(lastUser)) return false;
  if (match.last !== undefined && conv.messages.at(-1)?.role !== match.last) return false;
  if (match.task !== undefined && !(conv.task ?? '').includes(match.task)) return false;
  if (match.tools !== undefined && match.tools !== (conv.tools ?? false)) return false;
  if (match.images !== undefined && match.images !== (conv.images ?? 0) > 0) return false;
  return true;
}

/** Picks replies and remembers what was used: `once` replies and faults with `times`. */
export class ReplyPicker {
  private readonly used = new Set<Reply>();
  private readonly faultHits = new Map<object, number>();

  constructor(private readonly script: z.output<typeof scriptSchema>) {}

  /** The reply and its index in `replies` (-1 for the default, -2 when nothing fits). */
  pick(conv: Conversation): { reply: Reply; index: number } {
    const index = this.script.replies.findIndex((r) => !(r.once && this.used.has(r)) && fits(r.match, conv));
    const reply = this.script.replies[index];
    if (reply) {
      if (reply.once) this.used.add(reply);
      return { reply, index };
    }
    if (this.script.default) return { reply: this.script.default, index: -1 };
    const last = textOf(conv.messages.at(-1)?.content).slice(0, 80);
    return { reply: { content: `(no scripted reply fits ${JSON.stringify(last)})` }, index: -2 };
  }

  /** The fault this request gets, counting `times` per fault. */
  fault(owner: object, f: FaultKind | Fault | undefined): Fault | undefined {
    const fault = asFault(f);
    if (!fault) return undefined;
    const hits = this.faultHits.get(owner) ?? 0;
    if (fault.times !== undefined && hits >= fault.times) return undefined;
    this.faultHits.set(owner, hits + 1);
    return fault;
  }

  serverFault(): Fault | undefined {
    return this.fault(this.script, this.script.fault);
  }
}
