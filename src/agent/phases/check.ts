/**
 * The check phase of an attempt: the orchestrator runs the check (or a script task's script) in
 * the worktree and reports it. A script task that gave no script to run gets that as its problem.
 */
import type { ExecResult, TaskSpec } from '../types.js';
import type { LoopDeps, LoopEvent } from '../loop.js';
import { Cancelled } from '../cancelled.js';

/** What the next Coder turn is told of the last check. */
export interface LastCheck {
  command: string;
  exitCode: number | null;
  output: string;
}

export interface CheckInput {
  attempt: number;
  /** The check, or the script the Coder gave; null when there is nothing to run. */
  command: string | null;
  mode: TaskSpec['mode'];
  /** The Coder's script was refused (a script task): it was told why already. */
  scriptRefused: boolean;
  cwd: string;
  timeoutMs: number;
  signal: AbortSignal;
  run: LoopDeps['runCheck'];
  emit: (e: LoopEvent) => void;
}

export interface Checked {
  exec: ExecResult | null;
  /** The last check for the next Coder turn: this one, none (null), or the one before (absent). */
  lastCheck?: LastCheck | null;
  problem?: string;
}

export async function checkPhase(i: CheckInput): Promise<Checked> {
  if (!i.command) {
    if (i.mode !== 'script') return { exec: null };
    return {
      exec: null,
      lastCheck: null,
      ...(i.scriptRefused
        ? {}
        : {
            problem:
              'no script found: answer with exactly one fenced code block that contains the whole script',
          }),
    };
  }
  const command = i.command;
  i.emit({ type: 'phase', attempt: i.attempt, phase: 'check' });
  const exec = await i.run(command, { cwd: i.cwd, timeoutMs: i.timeoutMs, signal: i.signal });
  if (exec.cancelled || i.signal.aborted) throw new Cancelled();
  i.emit({
    type: 'check',
    attempt: i.attempt,
    command,
    exitCode: exec.exitCode,
    timedOut: exec.timedOut,
    durationMs: exec.durationMs,
    output: exec.output,
    truncatedBytes: exec.truncatedBytes,
  });
  return { exec, lastCheck: { command, exitCode: exec.exitCode, output: exec.output } };
}
