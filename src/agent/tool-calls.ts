/**
 * Tool calls whose arguments do not parse. A call cut by max_tokens ends mid-JSON: running it
 * would act on half an argument, and replaying it in the history makes llama-server refuse the
 * whole conversation ("Failed to parse tool call arguments as JSON"). Such a call is never run
 * and never replayed as a call; the Coder is told what happened instead.
 */
import type { ToolCall } from '../llm/types.js';

export interface SplitCalls {
  /** Calls whose arguments are JSON (or empty): they run, and are replayed as calls. */
  runnable: ToolCall[];
  /** Calls whose arguments are not JSON, with the parser's complaint. */
  broken: { call: ToolCall; error: string }[];
}

export function splitCalls(calls: readonly ToolCall[]): SplitCalls {
  const split: SplitCalls = { runnable: [], broken: [] };
  for (const call of calls) {
    if (call.arguments.trim() === '') {
      split.runnable.push(call);
      continue;
    }
    try {
      JSON.parse(call.arguments);
      split.runnable.push(call);
    } catch (e) {
      split.broken.push({ call, error: (e as Error).message });
    }
  }
  return split;
}

/** The tool result shown for a call that was not run (in the task's log, as a refused edit). */
export function notRunOutput(cut: boolean): string {
  return cut
    ? 'error: not run: the answer was cut off by the token limit inside this call, so its arguments are incomplete'
    : 'error: not run: its arguments are not valid JSON';
}

/** What the Coder is told about the calls that were not run. */
export function brokenCallsNotice(broken: SplitCalls['broken'], cut: boolean, maxTokens: number): string {
  const names = [...new Set(broken.map((b) => b.call.name))].join(', ');
  const which = `${broken.length === 1 ? 'call' : 'calls'} to ${names}`;
  if (cut) {
    return (
      `Your answer was cut off by the token limit (${maxTokens} tokens) in the middle of your ${which}: ` +
      `${broken.length === 1 ? 'its' : 'their'} arguments are incomplete, so nothing of ${broken.length === 1 ? 'it' : 'them'} was run. ` +
      'Send it again in smaller pieces: replace_in_file for the part of a file that changes, or several smaller calls, ' +
      'and keep any text around the calls short.'
    );
  }
  const why = broken[0]!.error;
  return (
    `The arguments of your ${which} are not valid JSON (${why}), so ${broken.length === 1 ? 'it was' : 'they were'} not run. ` +
    'Send the call again with a JSON object as its arguments.'
  );
}
