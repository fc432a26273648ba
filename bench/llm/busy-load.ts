import type { ChatRequest } from '../../src/llm/types.js';
import type { Latency, Script } from '../../src/scripted-server/index.js';

/** One mlx_lm.server-like slot: prompts read at 2000 tokens/s, answers written at 100. */
export const LATENCY: Latency = { prefillTps: 2000, decodeTps: 100, slots: 1 };

/** Answer lengths in tokens (the scripted tokenizer counts 4 characters a token). */
const ANSWERS = { short: 5, medium: 15, long: 30 } as const;
type Kind = keyof typeof ANSWERS;
const KINDS = Object.keys(ANSWERS) as Kind[];
/** Prompt lengths in tokens: 30 to 250 ms of prefill. */
const PROMPTS = [60, 200, 500];

export const BUSY_SCRIPT: Script = {
  replies: KINDS.map((kind) => ({ match: `${kind} answer`, content: 'tok '.repeat(ANSWERS[kind]) })),
};

/** Request `k` of task `t`: prompt and answer lengths vary across tasks and along each task. */
export function busyRequest(t: number, k: number): ChatRequest {
  const kind = KINDS[(2 * t + k) % KINDS.length]!;
  const tokens = PROMPTS[(t + k) % PROMPTS.length]!;
  const head = `a ${kind} answer please. `;
  const content = head + 'w'.repeat(Math.max(0, tokens * 4 - head.length));
  return { messages: [{ role: 'user', content }], maxTokens: 64 };
}

/** What the load should keep the server busy for, in ms, if nothing is lost between requests. */
export function serviceMs(tasks: number, perTask: number): number {
  let ms = 0;
  for (let t = 0; t < tasks; t++)
    for (let k = 0; k < perTask; k++) {
      const r = busyRequest(t, k);
      const kind = KINDS[(2 * t + k) % KINDS.length]!;
      ms += (Math.ceil(r.messages[0]!.content.length / 4) / LATENCY.prefillTps) * 1000;
      ms += (ANSWERS[kind] / LATENCY.decodeTps) * 1000;
    }
  return ms;
}
