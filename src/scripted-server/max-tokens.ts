/**
 * `max_tokens` as llama-server honours it: generation stops after that many tokens, wherever
 * the answer is, in the reasoning, the text or the middle of a tool call's JSON arguments. The
 * scripted tokenizer counts four characters (code points) a token, like `tokensOf`.
 */

const CHARS_PER_TOKEN = 4;

/** The limit a request sets: llama-server reads `n_predict`, then `max_completion_tokens`, then `max_tokens`; a negative one means none. */
export function maxTokensOf(body: {
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  n_predict?: unknown;
}): number | undefined {
  const n = [body.n_predict, body.max_completion_tokens, body.max_tokens].find((v) => typeof v === 'number');
  return typeof n === 'number' && n >= 0 ? Math.floor(n) : undefined;
}

type Text = string | string[] | undefined;

interface Call {
  id: string;
  name: string;
  arguments: string;
}

export interface Generated {
  reasoning: Text;
  content: Text;
  calls: Call[];
}

/** Takes up to `budget.left` code points of a text, keeping an array's pieces as they were. */
function take(text: Text, budget: { left: number }): Text {
  if (text === undefined) return undefined;
  const pieces = Array.isArray(text) ? text : [text];
  const out: string[] = [];
  for (const piece of pieces) {
    const chars = Array.from(piece);
    const kept = chars.slice(0, budget.left);
    budget.left -= kept.length;
    if (kept.length > 0) out.push(kept.join(''));
    if (kept.length < chars.length) break;
  }
  return Array.isArray(text) ? out : out.join('');
}

const length = (text: Text) =>
  text === undefined
    ? 0
    : (Array.isArray(text) ? text : [text]).reduce((n, t) => n + Array.from(t).length, 0);

/**
 * The answer cut to `limit` tokens, or undefined when it fits. A tool call is kept once its
 * name fits, with as much of its arguments as the rest allows (so cut mid-JSON).
 */
export function cutToTokens(answer: Generated, limit: number): Generated | undefined {
  const total =
    length(answer.reasoning) +
    length(answer.content) +
    answer.calls.reduce((n, c) => n + length(c.name) + length(c.arguments), 0);
  const budget = { left: limit * CHARS_PER_TOKEN };
  if (total <= budget.left) return undefined;
  const reasoning = take(answer.reasoning, budget);
  const content = take(answer.content, budget);
  const calls: Call[] = [];
  for (const call of answer.calls) {
    const name = length(call.name);
    if (name > budget.left) break;
    budget.left -= name;
    calls.push({ ...call, arguments: take(call.arguments, budget) as string });
  }
  return { reasoning, content, calls };
}
