import type { ChatMessage, ToolSpec, Usage } from '../../llm/types.js';
import { describeLimit, SETTINGS, type ContextLimit } from '../../llm/context-size.js';
import { refuse, type FactoryError } from '../../errors.js';
import { CHARS_PER_TOKEN } from '../tokens.js';
import { contentChars } from '../../llm/content.js';

/** The shortest answer worth asking for: a few edits, or a verdict with its reason. */
export const MIN_ANSWER_TOKENS = 512;
/** Chat-template tokens around each message (role markers, separators) and around the whole prompt. */
const PER_MESSAGE_TOKENS = 8;
const PER_PROMPT_TOKENS = 32;
/** Share of a small context kept for the answer when the prompt could use all of it. */
const ANSWER_SHARE = 0.4;
/**
 * Real tokens per estimated token before the server has counted any prompt: code and JSON cut
 * into more tokens than 4 characters each. Usage replies replace it with what was measured.
 */
const FIRST_RATIO = 1.3;
const MIN_RATIO = 1.05;
const MAX_RATIO = 6;

const chars = (messages: ChatMessage[]): number =>
  messages.reduce(
    (n, m) =>
      n +
      contentChars(m.content) +
      (m.toolCalls ?? []).reduce((k, c) => k + c.name.length + c.arguments.length, 0),
    0,
  );

/**
 * The model's context window as the agent budgets it: every prompt and its `max_tokens` fit inside
 * it with room left for the answer. Without a known limit (mlx_lm.server) the budgets are the
 * configured ones: a prompt of 2x maxTokensPerTurn and maxTokensPerTurn for the answer.
 */
export class ContextWindow {
  /** Real tokens per estimated token (characters / 4), learnt from the server's usage. */
  private ratio = FIRST_RATIO;
  private measured = false;

  constructor(
    readonly maxTokensPerTurn: number,
    public limit: ContextLimit | null = null,
  ) {}

  get tokens(): number | null {
    return this.limit?.tokens ?? null;
  }

  /** The estimated tokens of a prompt, as the server will count them (template and tools included). */
  estimate(messages: ChatMessage[], tools?: readonly ToolSpec[]): number {
    const text = chars(messages) + (tools?.length ? JSON.stringify(tools).length : 0);
    return (
      Math.ceil((text / CHARS_PER_TOKEN) * this.ratio) +
      PER_PROMPT_TOKENS +
      PER_MESSAGE_TOKENS * messages.length
    );
  }

  /**
   * Tokens (at 4 characters each) the context builder may fill with messages, leaving the tool
   * specs and a share of the context for the answer.
   */
  promptBudget(tools?: readonly ToolSpec[], messages = 2): number {
    const configured = Math.max(2000, this.maxTokensPerTurn * 2);
    const total = this.tokens;
    if (total === null) return configured;
    const usable = total - this.estimate([], tools) - PER_MESSAGE_TOKENS * messages;
    const answer = Math.min(
      this.maxTokensPerTurn,
      Math.max(MIN_ANSWER_TOKENS, Math.floor(usable * ANSWER_SHARE)),
    );
    return Math.max(0, Math.min(configured, Math.floor((usable - answer) / this.ratio)));
  }

  /** Tokens left for the answer after a prompt of `promptTokens` (estimated); Infinity when unknown. */
  room(promptTokens: number): number {
    return this.tokens === null ? Infinity : this.tokens - promptTokens;
  }

  /**
   * `max_tokens` for a prompt of `promptTokens`: the configured limit, or what the context leaves
   * when that is less. Refuses (exit 2) when not even a short answer fits.
   */
  maxTokens(promptTokens: number, role: string): number {
    const room = this.room(promptTokens);
    if (room < Math.min(MIN_ANSWER_TOKENS, this.maxTokensPerTurn)) throw this.tooSmall(promptTokens, role);
    return Math.min(this.maxTokensPerTurn, room);
  }

  /** The refusal when the smallest useful prompt of `role` and a short answer cannot fit. */
  tooSmall(promptTokens: number, role: string): FactoryError {
    const l = this.limit!;
    const need = promptTokens + Math.min(MIN_ANSWER_TOKENS, this.maxTokensPerTurn);
    const perSlot = l.slots && l.slots > 1 ? ' per slot' : '';
    return refuse(
      `the model's context is too small: ${describeLimit(l)}, and the smallest ${role} prompt needs about ` +
        `${promptTokens} tokens plus ${need - promptTokens} for the answer (${need} in all)`,
      `raise ${l.setting} to at least ${roundUp(need)} tokens${perSlot}` +
        (l.server === 'unknown' ? '' : ', or set server.contextSize if the server really has more'),
    );
  }

  /** What the server counted for a prompt we estimated: later estimates use the measured ratio. */
  learnUsage(usage: Usage, estimated: number): void {
    if (usage.estimated || usage.promptTokens <= 0 || estimated <= PER_PROMPT_TOKENS) return;
    const seen = (usage.promptTokens - PER_PROMPT_TOKENS) / (estimated - PER_PROMPT_TOKENS);
    const next = Math.min(MAX_RATIO, Math.max(MIN_RATIO, seen * this.ratio * 1.05));
    // The first measurement replaces the guess; later ones only ever make it more careful.
    this.ratio = this.measured ? Math.max(this.ratio, next) : next;
    this.measured = true;
  }

  /**
   * The server refused a prompt of `promptTokens` in a context of `contextTokens` (its own
   * numbers): believe both, so the next prompt is built to fit.
   */
  learnOverflow(promptTokens: number, contextTokens: number, estimated: number, baseURL: string): void {
    if (estimated > 0)
      this.ratio = Math.min(MAX_RATIO, Math.max(this.ratio, (promptTokens / estimated) * this.ratio * 1.05));
    this.measured = true;
    const known = this.limit;
    if (known?.tokens != null && known.tokens <= contextTokens) return;
    this.limit = {
      server: known?.server ?? 'unknown',
      setting: known?.setting ?? SETTINGS.unknown,
      baseURL: known?.baseURL ?? baseURL,
      tokens: contextTokens,
      source: 'its context overflow error',
      ...(known?.slots ? { slots: known.slots } : {}),
    };
  }
}

const roundUp = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(n, 1024)));
