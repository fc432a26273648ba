/**
 * The edits phase of an attempt, after the Coder's last answer: the text edits it wrote applied
 * one by one (a step commit each, through `record`), a script task's script written, and what
 * went wrong kept as problems for the next attempt: broken tool calls, refused edits, an answer
 * cut off by the token limit.
 */
import type { ChatResponse } from '../../llm/types.js';
import type { ToolResult } from '../types.js';
import type { FileTools } from '../tools/index.js';
import { parseReply } from '../edits/index.js';
import { scriptCommand, scriptFileName } from '../script-task.js';
import { brokenCallsNotice, splitCalls } from '../tool-calls.js';
import { thinkingOnly } from '../fitted-turn.js';

export interface AppliedReply {
  /** What the orchestrator runs next: the check, a script task's script, or nothing. */
  command: string | null;
  /** A script task's script was refused (e.g. elided code): nothing runs in its place. */
  scriptRefused: boolean;
  problems: string[];
}

export async function applyReply(
  reply: ChatResponse,
  d: {
    mode: 'repo' | 'script';
    check: string | null;
    tools: FileTools;
    record: (tool: string, result: ToolResult) => Promise<void>;
    maxTokensPerTurn: number;
  },
): Promise<AppliedReply> {
  const problems: string[] = [];
  // Calls still broken in the last answer (no rounds left): the next attempt hears of them.
  const left = splitCalls(reply.toolCalls).broken;
  if (left.length)
    problems.push(brokenCallsNotice(left, reply.finishReason === 'length', d.maxTokensPerTurn));
  const parsed = parseReply(reply.content, { mode: d.mode });
  problems.push(...parsed.problems);
  for (const op of parsed.edits) {
    const result = await d.tools.apply(op);
    await d.record(
      op.kind === 'write' ? 'write_file' : op.kind === 'replace' ? 'replace_in_file' : 'delete_file',
      result,
    );
    if (!result.ok) problems.push(result.output);
  }
  let command = d.check;
  let scriptRefused = false;
  if (d.mode === 'script') {
    command = null;
    if (parsed.script) {
      const file = scriptFileName(parsed.script.lang);
      const result = await d.tools.apply({ kind: 'write', path: file, content: parsed.script.content });
      await d.record('write_script', result);
      // A refused script (e.g. one with elided code) must not run the last one in its place.
      if (result.ok) command = scriptCommand(file);
      else {
        problems.push(result.output);
        scriptRefused = true;
      }
    }
  }
  if (reply.finishReason === 'length')
    problems.push(
      thinkingOnly(reply)
        ? 'you spent your whole token limit thinking and wrote no answer; think briefly, then answer with only the edits'
        : 'your last answer was cut off by the token limit; answer more briefly, with only the edits',
    );
  return { command, scriptRefused, problems };
}
