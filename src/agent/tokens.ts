/** The rough size of text in tokens, for budgeting a context before any server has counted it. */
export const CHARS_PER_TOKEN = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** Token usage as the server reports it (`Usage` from llm/types.ts fits). */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/**
 * A task's total token budget (`agent.totalTokenBudget`), counted from the usage the server
 * reports for every turn: prompt plus completion. Estimated usage (a server that sent none)
 * counts too, since it is the best figure there is.
 */
export class TokenBudget {
  private spent: number;

  constructor(
    readonly total: number,
    /** Tokens already used by earlier runs of the task (resume). */
    used = 0,
  ) {
    this.spent = Math.max(0, used);
  }

  add(usage: TokenUsage): void {
    const n = count(usage.promptTokens) + count(usage.completionTokens);
    this.spent += n;
  }

  get used(): number {
    return this.spent;
  }

  get remaining(): number {
    return Math.max(0, this.total - this.spent);
  }

  get exhausted(): boolean {
    return this.spent >= this.total;
  }
}

const count = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);
