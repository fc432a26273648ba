/**
 * `agent.tools: "auto"` falling back to text edits. A server that cannot do tools says so on the
 * first request that offers them (llama-server without --jinja: a 500 "tools param requires
 * --jinja flag"; Ollama, vLLM: a 4xx naming tools), or its model keeps writing calls the server
 * cannot parse ("does not match the expected … format"). From then on, for the rest of the run,
 * every Coder turn uses text edits, and the user is told once.
 */
import { LlmError } from '../llm/errors.js';

/** What the loop does after a Coder request that offered tools failed. */
export type FallbackStep = 'text' | 'again' | 'fail';

/** Model-output failures in a run after which its model is taken to keep failing. */
const OUTPUT_FAILURES_TO_SWITCH = 2;

export class ToolFallback {
  private reason?: string;
  private outputFailures = 0;

  /** `notice` gets one line, the first time the run switches to text edits. */
  constructor(private readonly notice?: (line: string) => void) {}

  /** True once the run uses text edits. */
  get textOnly(): boolean {
    return this.reason !== undefined;
  }

  /** Why the run switched, for the task's log; undefined while it has not. */
  get why(): string | undefined {
    return this.reason;
  }

  /**
   * Judges an error of a Coder request that offered tools: `text` to go on with text edits,
   * `again` to ask once more with tools (a model's first unparsable call), `fail` to let it
   * stand (any other error).
   */
  judge(e: unknown): FallbackStep {
    if (!(e instanceof LlmError)) return 'fail';
    if (e.problem === 'tools-unsupported') return this.switchToText(e);
    if (e.problem === 'model-output') {
      this.outputFailures++;
      return this.outputFailures >= OUTPUT_FAILURES_TO_SWITCH ? this.switchToText(e) : 'again';
    }
    return 'fail';
  }

  private switchToText(e: LlmError): FallbackStep {
    if (this.reason === undefined) {
      this.reason =
        `${e.message}; agent.tools is "auto", so the Coder edits files with text blocks ` +
        'for the rest of this run (set agent.tools to "text" to start that way)';
      this.notice?.(`note: ${this.reason}`);
    }
    return 'text';
  }
}
