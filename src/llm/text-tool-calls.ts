/** A tool call the model wrote into its text instead of sending natively. */
export interface TextToolCall {
  name: string;
  /** JSON text, like a native call's arguments. */
  arguments: string;
}

const TAGGED = /<tool_call>([\s\S]*?)(?:<\/tool_call>|$)/g;

/** Models often wrap JSON in a Markdown fence; the call is the same. */
function unfence(text: string): string {
  const m = /^```[a-z]*\s*\n?([\s\S]*?)\n?```$/i.exec(text.trim());
  return (m ? m[1]! : text).trim();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `{"name": .., "arguments": ..}`, or Llama's `"parameters"`; arguments as an object or JSON text. */
function asCall(value: unknown): TextToolCall | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { name, arguments: args, parameters } = value as Record<string, unknown>;
  if (typeof name !== 'string' || !name) return undefined;
  const given = args ?? parameters;
  if (given !== undefined && typeof given !== 'object' && typeof given !== 'string') return undefined;
  return { name, arguments: typeof given === 'string' ? given : JSON.stringify(given ?? {}) };
}

function asCalls(value: unknown): TextToolCall[] | undefined {
  const list = Array.isArray(value) ? value : [value];
  const calls = list.map(asCall);
  return calls.length > 0 && calls.every((c) => c !== undefined) ? (calls as TextToolCall[]) : undefined;
}

/**
 * Finds tool calls written as text: `<tool_call>{…}</tool_call>` blocks anywhere (Qwen, Hermes;
 * a missing closing tag is forgiven, the answer may have stopped on it), or a bare JSON call as
 * the whole content. A bare call must name an offered tool, since a coding model may answer
 * with JSON for other reasons; a tagged one is clearly meant as a call, so any name is kept and
 * the agent can say the tool does not exist. Returns the calls and the content without them,
 * or undefined when there are none.
 */
export function extractTextToolCalls(
  content: string,
  toolNames: readonly string[],
): { calls: TextToolCall[]; content: string } | undefined {
  const calls: TextToolCall[] = [];
  const rest = content.replace(TAGGED, (block, inner: string) => {
    const found = asCalls(parseJson(unfence(inner)));
    if (!found) return block;
    calls.push(...found);
    return '';
  });
  if (calls.length > 0) return { calls, content: rest.trim() };

  const whole = unfence(content);
  if (!whole.startsWith('{') && !whole.startsWith('[')) return undefined;
  const bare = asCalls(parseJson(whole));
  if (!bare || !bare.every((c) => toolNames.includes(c.name))) return undefined;
  return { calls: bare, content: '' };
}
