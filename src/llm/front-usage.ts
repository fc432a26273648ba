/**
 * Reads what the front needs from a proxied response without parsing the whole stream: the usage
 * numbers (servers send them in the last chunk, or in the body), so only the tail is kept; and
 * whether the stream carried an error event (llama-server's `data: {"error": …}` mid-stream),
 * which makes the answer a failure even though its status was 200.
 */
export function sniffUsage() {
  let tail = '';
  let error = false;
  // The start of the current line, so an event split across chunks is still seen at a line start.
  let line = '';
  let lineTooLong = false;
  return {
    push(chunk: Buffer): void {
      const s = chunk.toString('utf8');
      tail = (tail + s).slice(-8192);
      if (error) return;
      const text = line + s;
      const event = lineTooLong ? /\ndata:\s*\{\s*"error"\s*:/ : /(?:^|\n)data:\s*\{\s*"error"\s*:/;
      if (event.test(text)) error = true;
      const nl = text.lastIndexOf('\n');
      const rest = text.slice(nl + 1);
      lineTooLong = (nl < 0 && lineTooLong) || rest.length > 64;
      line = lineTooLong ? '' : rest;
    },
    /** The stream carried an error event instead of, or after, an answer. */
    sawError(): boolean {
      return error;
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
