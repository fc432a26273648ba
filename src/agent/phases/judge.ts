/**
 * The judging phase of an attempt: the Sheriff reads the change, the check's result and what the
 * browser showed, and the orchestrator decides, the check's exit code staying the gate. An attempt
 * with nothing to judge (a script task without a script, a page that could not be looked at)
 * fails without asking the model.
 */
import type { ChatRequest, ChatResponse } from '../../llm/types.js';
import type { ExecResult, SheriffReport, TaskSpec, VisualLook } from '../types.js';
import type { Prompts } from '../prompts/index.js';
import type { ContextWindow } from '../context/window.js';
import { buildSheriffMessages } from '../context/coder.js';
import { decide, parseSheriff, type Decision } from '../sheriff.js';
import { fittedTurn } from '../fitted-turn.js';

export interface JudgeInput {
  window: ContextWindow;
  task: TaskSpec;
  prompts: Prompts;
  temperature: number;
  /** This attempt's change, and the task's whole change (earlier attempts' edits are part of it). */
  diff: string;
  wholeDiff: string;
  /** The check's (or the script's) run; null when nothing ran. */
  exec: ExecResult | null;
  look?: VisualLook | undefined;
  /** False for a script task: the orchestrator ran the Coder's script instead of a check. */
  hasCheck: boolean;
  /** A script task with no script to run: the Coder's was refused, or it wrote none. */
  noScript?: 'refused' | 'none' | undefined;
  send: (req: ChatRequest) => Promise<ChatResponse>;
  say: (line: string) => void;
  /** An error that ends the attempt (a cancel) rather than counting as the Sheriff's failure. */
  ends: (e: unknown) => boolean;
}

export async function judge(i: JudgeInput): Promise<{ report: SheriffReport | null; decision: Decision }> {
  if (i.noScript)
    return {
      report: null,
      decision: {
        passed: false,
        verdict: 'NONE',
        reason: i.noScript === 'refused' ? "the Coder's script was refused" : 'the Coder wrote no script',
      },
    };
  // A page that could not be looked at fails like a failing check: nothing to judge.
  if (i.look?.error)
    return {
      report: null,
      decision: {
        passed: false,
        verdict: 'NONE',
        reason: `the visual check could not look: ${i.look.error}`,
      },
    };
  let report: SheriffReport | null = null;
  let sheriffError: string | undefined;
  try {
    const check = i.exec
      ? {
          command: i.exec.command,
          exitCode: i.exec.exitCode,
          head: i.exec.head,
          tail: i.exec.tail,
          timedOut: i.exec.timedOut,
        }
      : { command: '(no check)', exitCode: null, head: '', tail: '' };
    const { reply } = await fittedTurn(
      i.window,
      {
        role: 'sheriff',
        temperature: i.temperature,
        build: (budgetTokens) =>
          buildSheriffMessages({
            task: i.task,
            prompts: i.prompts,
            diff: i.diff,
            wholeDiff: i.wholeDiff,
            check,
            budgetTokens,
            ...(i.look ? { visual: i.look } : {}),
          }),
      },
      i.send,
      i.say,
    );
    report = parseSheriff(reply.content);
  } catch (e) {
    if (i.ends(e)) throw e;
    sheriffError = (e as Error).message;
  }
  const decision = decide({
    checkExit: i.exec ? i.exec.exitCode : null,
    hasCheck: i.hasCheck,
    sheriff: report,
    sheriffError,
  });
  return { report, decision };
}
