import { extractTextToolCalls } from './text-tool-calls.js';
import { ThinkSplitter } from './think.js';
import { ToolCallAssembler } from './normalize-tool-calls.js';
import { contentChars } from './content.js';
import type { ChatRequest, ChatResponse, StreamCallbacks, ToolCall, Usage } from './types.js';
import type { WireCompletion, WireMessage, WireUsage } from './normalize-wire.js';

/** Servers that send no usage get this estimate, the usual rule of thumb for BPE tokenizers. */
export const CHARS_PER_TOKEN = 4;

export const estimateTokens = (chars: number): number => Math.ceil(chars / CHARS_PER_TOKEN);

/**
 * Builds one ChatResponse from any dialect, fed either stream chunks (`addChunk`) or a whole
 * completion (`addCompletion`). Only the first choice counts: factory never asks for more.
 */
export class ResponseBuilder {
  private readonly think: ThinkSplitter;
  private readonly tools = new ToolCallAssembler();
  private fieldReasoning = '';
  private finishReason: string | null = null;
  private usage?: WireUsage;
  private model?: string;

  constructor(
    private readonly req: ChatRequest,
    private readonly callbacks: StreamCallbacks = {},
  ) {
    this.think = new ThinkSplitter({ content: callbacks.onContent, reasoning: callbacks.onReasoning });
  }

  /** True once a choice carried a finish reason: the answer is complete even without `[DONE]`. */
  get finished(): boolean {
    return this.finishReason !== null;
  }

  addChunk(chunk: WireCompletion): void {
    this.addEnvelope(chunk, 'delta');
  }

  addCompletion(completion: WireCompletion): void {
    this.addEnvelope(completion, 'message');
  }

  /** What has arrived so far, for a request that failed mid-answer (the stream is not ended). */
  partial(): { content: string; reasoning: string } {
    const text = this.think.result();
    return { content: text.content, reasoning: (this.fieldReasoning + text.reasoning).trim() };
  }

  build(fallbackModel: string): ChatResponse {
    this.think.end();
    const text = this.think.result();
    let content = text.content;
    let toolCalls: ToolCall[] = this.tools.result();
    let toolCallsFromText = false;
    const offered = this.req.tools?.map((t) => t.name) ?? [];
    if (toolCalls.length === 0 && offered.length > 0) {
      const found = extractTextToolCalls(content, offered);
      if (found) {
        content = found.content;
        toolCalls = found.calls.map((c, i) => ({ id: `call_text_${i}`, ...c }));
        toolCallsFromText = true;
      }
    }
    const reasoning = (this.fieldReasoning + text.reasoning).trim();
    return {
      content,
      reasoning,
      toolCalls,
      toolCallsFromText,
      finishReason: this.finishReason,
      usage: this.finalUsage(text.content.length + reasoning.length, toolCalls),
      model: this.model ?? fallbackModel,
    };
  }

  private addEnvelope(env: WireCompletion, field: 'delta' | 'message'): void {
    if (env.model) this.model = env.model;
    // Usage usually comes alone in a last chunk with `choices: []`; llama-server has also sent
    // it on the finishing chunk. The last one seen wins.
    if (env.usage) this.usage = env.usage;
    const choice = env.choices?.find((c) => (c.index ?? 0) === 0);
    if (!choice) return;
    const msg = choice[field];
    if (msg) this.addMessage(msg);
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }

  private addMessage(msg: WireMessage): void {
    const reasoning = msg.reasoning ?? msg.reasoning_content;
    if (reasoning) {
      this.fieldReasoning += reasoning;
      this.callbacks.onReasoning?.(reasoning);
    }
    if (msg.content) this.think.push(msg.content);
    if (msg.tool_calls?.length) this.tools.add(msg.tool_calls);
  }

  private finalUsage(answerChars: number, toolCalls: ToolCall[]): Usage {
    const u = this.usage;
    if (u && typeof u.prompt_tokens === 'number' && typeof u.completion_tokens === 'number') {
      return {
        promptTokens: u.prompt_tokens,
        completionTokens: u.completion_tokens,
        cachedTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
        estimated: false,
      };
    }
    const callChars = toolCalls.reduce((n, c) => n + c.name.length + c.arguments.length, 0);
    return {
      promptTokens: estimateTokens(promptChars(this.req)),
      completionTokens: estimateTokens(answerChars + callChars),
      cachedTokens: 0,
      estimated: true,
    };
  }
}

/** Everything the model reads, tool definitions included, as the server's template would. */
export function promptChars(req: ChatRequest): number {
  let chars = req.tools ? JSON.stringify(req.tools).length : 0;
  for (const m of req.messages) {
    chars += contentChars(m.content);
    for (const c of m.toolCalls ?? []) chars += c.name.length + c.arguments.length;
  }
  return chars;
}
