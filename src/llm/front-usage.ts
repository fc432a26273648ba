/**
 * Finds the usage numbers in a proxied response without parsing the whole stream: servers send
 * them in the last chunk (streaming) or in the body (non-streaming), so only the tail is kept.
 */
export function sniffUsage() {
  let tail = '';
  return {
    push(chunk: Buffer): void {
      tail = (tail + chunk.toString('utf8')).slice(-8192);
    },
    /** With `toolCalls` when the answer ended in tool calls: the task's tool round comes next. */
    usage(): { promptTokens: number; completionTokens: number; toolCalls?: true } | undefined {
      const at = tail.lastIndexOf('"usage"');
      if (at < 0) return undefined;
      const rest = tail.slice(at);
      const prompt = /"prompt_tokens"\s*:\s*(\d+)/.exec(rest);
      const completion = /"completion_tokens"\s*:\s*(\d+)/.exec(rest);
      if (!prompt || !completion) return undefined;
      const usage = { promptTokens: Number(prompt[1]), completionTokens: Number(completion[1]) };
      return /"finish_reason"\s*:\s*"tool_calls"/.test(tail) ? { ...usage, toolCalls: true } : usage;
    },
  };
}
