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
    usage(): { promptTokens: number; completionTokens: number } | undefined {
      const at = tail.lastIndexOf('"usage"');
      if (at < 0) return undefined;
      const rest = tail.slice(at);
      const prompt = /"prompt_tokens"\s*:\s*(\d+)/.exec(rest);
      const completion = /"completion_tokens"\s*:\s*(\d+)/.exec(rest);
      if (!prompt || !completion) return undefined;
      return { promptTokens: Number(prompt[1]), completionTokens: Number(completion[1]) };
    },
  };
}
