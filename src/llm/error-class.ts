/**
 * What a server's error says, read from its text and not only its status. A 500 from
 * llama-server is as often permanent (the request or the model's output can never be parsed) as
 * transient, and a retry of a permanent one regenerates the whole answer for nothing.
 */

/**
 * - `tools-unsupported`: the server or model takes no `tools` (llama-server without `--jinja`,
 *   an Ollama model without tool support, vLLM without a tool parser).
 * - `model-output`: the server could not parse what the model wrote (its tool-call format).
 * - `bad-history`: the server could not read the conversation sent (e.g. a replayed tool call
 *   whose arguments are not JSON).
 * - `context-overflow`: the prompt does not fit the server's context window.
 * - `transient`: anything else a retry may fix (5xx, 408, 429).
 * - `refused`: any other 4xx.
 */
export type ServerProblem =
  'tools-unsupported' | 'model-output' | 'bad-history' | 'context-overflow' | 'transient' | 'refused';

const TOOLS_UNSUPPORTED = [
  /tools? param requires --jinja/i,
  /does not support tools/i,
  /support(s)? tool use/i,
  /tool[_ ]choice.*requires/i,
  /cannot use tools with stream/i,
  /unsupported param: tools?/i,
];
const MODEL_OUTPUT = [
  /does not match the expected .*format/i,
  /failed to parse (the )?(model )?(input|output)\b/i,
  /failed to parse input at pos/i,
  /partial parse/i,
];
const BAD_HISTORY = [
  /failed to parse tool call arguments/i,
  /invalid tool call/i,
  /conversation roles must alternate/i,
];
const CONTEXT_OVERFLOW = [
  /exceed(s|ed)? (the )?(available )?context/i,
  /context (size|length|window)/i,
  /exceed_context_size/i,
  /maximum context length/i,
  /too many tokens/i,
];

const matches = (patterns: RegExp[], text: string) => patterns.some((p) => p.test(text));

/** A 4xx that names tools: the server refused the `tools` field, whatever its words. */
const namesTools = (text: string) => /\btools?\b|tool_choice|function[_ ]call/i.test(text);

/** The problem an error answer (status and the server's text) stands for. */
export function classifyServerError(status: number, text: string): ServerProblem {
  if (matches(TOOLS_UNSUPPORTED, text)) return 'tools-unsupported';
  if (matches(CONTEXT_OVERFLOW, text)) return 'context-overflow';
  if (matches(BAD_HISTORY, text)) return 'bad-history';
  if (matches(MODEL_OUTPUT, text)) return 'model-output';
  const clientError = status >= 400 && status < 500 && ![401, 403, 404, 408, 429].includes(status);
  if (clientError && namesTools(text)) return 'tools-unsupported';
  if (status >= 500 || status === 408 || status === 429) return 'transient';
  return 'refused';
}

/** Only a transient problem is worth sending the same request again. */
export const isTransient = (problem: ServerProblem): boolean => problem === 'transient';

/** For a queue that only has the raw answer (the front): retry it or pass it on at once. */
export function isTransientAnswer(status: number, text: string): boolean {
  return isTransient(classifyServerError(status, text));
}
