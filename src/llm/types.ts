/**
 * The contract of the inference layer. Everything above `llm/` sees one normalised response,
 * whatever the server's dialect (mlx_lm.server, llama.cpp, Ollama, LM Studio, vLLM).
 */

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as JSON text, exactly as the model produced them. */
  arguments: string;
}

/** A picture in a message (the visual check's screenshots); only user messages send it as an image. */
export interface ImagePart {
  type: 'image';
  mime: 'image/png';
  /** The PNG's bytes, or the same as base64 text. */
  data: Buffer | string;
}

export type ContentPart = { type: 'text'; text: string } | ImagePart;

/** Plain text, or parts (text and images, see content.ts for reading either safely). */
export type MessageContent = string | ContentPart[];

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: MessageContent;
  toolCallId?: string;
  toolCalls?: ToolCall[];
}

/** A message known to hold text only (what the context builders make). */
export interface TextMessage extends ChatMessage {
  content: string;
}

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** Always sent: small local servers otherwise stop early or run forever. */
  maxTokens: number;
  temperature?: number;
  tools?: ToolSpec[];
  stop?: string[];
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** True when the server sent no usage and these numbers are estimates. */
  estimated: boolean;
}

export interface ChatResponse {
  content: string;
  reasoning: string;
  toolCalls: ToolCall[];
  /** True when the tool calls were parsed out of the text rather than sent natively. */
  toolCallsFromText: boolean;
  /** `stop`, `length`, `tool_calls`, ... ; `length` means the answer was cut by maxTokens. */
  finishReason: string | null;
  usage: Usage;
  model: string;
  /** Where the request's time went, measured where the answer is read (absent from scripted fakes). */
  timing?: ReplyTiming;
}

/** Milliseconds of one answered request: waiting in this process's queue, to the first piece, then the rest. */
export interface ReplyTiming {
  queuedMs: number;
  /** From sending the request to the first piece of the answer (prompt processing, and any wait at a shared front). */
  firstTokenMs: number;
  /** From the first piece of the answer to its end: what tokens per second divide by. */
  generationMs: number;
}

export interface StreamCallbacks {
  onContent?: (delta: string) => void;
  onReasoning?: (delta: string) => void;
}

/** One OpenAI-compatible server the queue can send requests to. */
export interface EndpointConfig {
  baseURL: string;
  apiKey: string;
  model: string;
  /** How many requests it may serve at once (1 for mlx_lm.server). */
  concurrency: number;
  /**
   * The server software, when known (e.g. from `server.command`). Only words error messages
   * ("mlx_lm.server at ..."); responses are recognised whatever it says.
   */
  flavor?: 'mlx' | 'llamacpp' | 'ollama' | 'generic';
  /** The server takes a slot number with each request (llama-server's `id_slot`, learned from `/props`). */
  slotIds?: boolean;
  /** The slot the queue chose for this request, sent as `id_slot`; only set when `slotIds`. */
  slot?: number;
}
