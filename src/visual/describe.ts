/**
 * The visual check's describer: each screenshot goes to a small vision model that says what is on
 * the screen. It never judges (DESIGN.md, rule 1): its answer is kept as text, capped, and never
 * read for a verdict; the Sheriff reads it beside the spec and the console and decides.
 */
import { queuedChat, type Inference } from '../llm/inference.js';
import { LlmError } from '../llm/errors.js';
import type { ChatRequest, EndpointConfig, Usage } from '../llm/types.js';
import { BUILT_IN_PROMPTS, describerSystemPrompt, type Prompts } from '../agent/prompts/index.js';

export interface Viewport {
  name: string;
  width: number;
  height: number;
  mobile?: boolean;
}

export interface Screenshot {
  viewport: Viewport;
  png: Buffer;
}

/**
 * Where the describer is (`visual.describer`): its own server and model, each defaulting to the
 * main server's. Its requests wait their turn in the main queue either way: the machine's memory
 * and time are shared with the tasks' requests.
 */
export interface DescriberEndpoint {
  baseURL?: string;
  apiKey?: string;
  model?: string;
}

export interface DescribeOptions {
  /** How the task reaches the model (connectInference): the describer's requests queue there too. */
  inference: Inference;
  /** The task the requests are queued for (fairness, and `x-factory-task`). */
  task: string;
  images: Screenshot[];
  describer?: DescriberEndpoint;
  prompts?: Pick<Prompts, 'describer'>;
  signal?: AbortSignal;
  /** The answer's cap in tokens (default 768: a description, not an essay). */
  maxTokens?: number;
  /** The clocks of each request, as the other model calls (agent.firstTokenTimeout, agent.llmTimeout). */
  firstTokenMs?: number;
  idleTimeoutMs?: number;
}

/** One viewport's result: the describer's text as it said it, or why there is none. */
export interface Description {
  viewport: Viewport;
  /** The answer, verbatim (trimmed), cut to MAX_DESCRIPTION_CHARS. Absent when `error` is set. */
  text?: string;
  /** True when the answer was longer than the cap (or cut by maxTokens) and was cut. */
  cut: boolean;
  /** Why this viewport has no description (the server refused the image, the answer was empty, ...). */
  error?: string;
  model?: string;
  usage?: Usage;
}

/** The longest description kept; what comes after is cut with a marker saying so. */
export const MAX_DESCRIPTION_CHARS = 6000;
const DEFAULT_MAX_TOKENS = 768;

/** The text beside the image: names the viewport (scripts and the model tell the two apart by it). */
export function viewportText(v: Viewport): string {
  const kind = v.mobile ? 'a phone' : 'a desktop browser';
  return (
    `Screenshot of the viewport "${v.name}" (${v.width}x${v.height} CSS pixels, ${kind}). ` +
    'Describe what is on the screen.'
  );
}

/** The request for one screenshot: the describer's system prompt, then the text and ONE image. */
export function describeRequest(
  shot: Screenshot,
  prompts: Pick<Prompts, 'describer'>,
  maxTokens: number,
): ChatRequest {
  return {
    messages: [
      { role: 'system', content: describerSystemPrompt(prompts) },
      {
        role: 'user',
        content: [
          { type: 'text', text: viewportText(shot.viewport) },
          { type: 'image', mime: 'image/png', data: shot.png },
        ],
      },
    ],
    maxTokens,
    temperature: 0,
  };
}

function capped(text: string): { text: string; cut: boolean } {
  if (text.length <= MAX_DESCRIPTION_CHARS) return { text, cut: false };
  const cut = text.length - MAX_DESCRIPTION_CHARS;
  return { text: `${text.slice(0, MAX_DESCRIPTION_CHARS)}\n… [factory: ${cut} characters cut]`, cut: true };
}

/**
 * One description per screenshot, in order, one request each through the queue. A request that
 * fails (the server refuses the image, a clock runs out) gives that viewport an `error` and the
 * others still get described; stopping (the signal) throws.
 */
export async function describeScreenshots(opts: DescribeOptions): Promise<Description[]> {
  const prompts = opts.prompts ?? BUILT_IN_PROMPTS;
  const maxTokens = opts.maxTokens ?? DEFAULT_MAX_TOKENS;
  const own = opts.describer ?? {};
  const route = (main: EndpointConfig): EndpointConfig => {
    const elsewhere = own.baseURL !== undefined && own.baseURL !== main.baseURL;
    // Another server knows nothing of the main server's slots.
    return elsewhere
      ? { baseURL: own.baseURL!, apiKey: own.apiKey ?? '', model: own.model ?? main.model, concurrency: 1 }
      : { ...main, model: own.model ?? main.model };
  };
  const out: Description[] = [];
  for (const shot of opts.images) {
    const where = `the describer's answer for the ${shot.viewport.name} screenshot`;
    try {
      const r = await queuedChat(opts.inference, opts.task, describeRequest(shot, prompts, maxTokens), {
        signal: opts.signal,
        route,
        ...(opts.firstTokenMs !== undefined ? { firstTokenMs: opts.firstTokenMs } : {}),
        ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
      });
      const said = r.content.trim();
      if (!said) {
        out.push({
          viewport: shot.viewport,
          cut: false,
          error: `${where} was empty`,
          model: r.model,
          usage: r.usage,
        });
        continue;
      }
      const { text, cut } = capped(said);
      out.push({
        viewport: shot.viewport,
        text,
        cut: cut || r.finishReason === 'length',
        model: r.model,
        usage: r.usage,
      });
    } catch (e) {
      if (opts.signal?.aborted || !(e instanceof LlmError)) throw e;
      out.push({
        viewport: shot.viewport,
        cut: false,
        error: `no description of the ${shot.viewport.name} screenshot: ${e.message}`,
      });
    }
  }
  return out;
}
