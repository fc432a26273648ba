import { execaSync } from 'execa';
import { ALT_OFF, ALT_ON, CLEAR } from './terminal.js';

/*
 * Apart from terminal.ts so that execa loads when a shell is first opened, not before the
 * review's first frame.
 */

export interface ShellTerminal {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  /** Erases what Ink drew, so Ink draws a whole new frame afterwards. */
  clearFrame(): void;
}

/**
 * Hands the terminal to an interactive shell in `cwd` and takes it back when the shell exits.
 * execaSync blocks the event loop, so Ink neither draws nor reads keys meanwhile; raw mode is
 * switched off for the shell and back on for Ink.
 */
export function runShell(cwd: string, term: ShellTerminal, shell = process.env.SHELL || '/bin/sh'): void {
  const { stdin, stdout } = term;
  term.clearFrame();
  stdout.write(ALT_OFF);
  stdout.write(`factory: exit this shell to return to the review (worktree: ${cwd})\n`);
  const raw = stdin.isTTY && stdin.isRaw;
  if (raw) stdin.setRawMode(false);
  try {
    // The shell's exit code is the user's business (`exit 1` is a way to leave); only a shell that
    // could not start is an error.
    const r = execaSync(shell, [], { cwd, stdio: 'inherit', reject: false });
    if (r.exitCode === undefined && r.signal === undefined) throw r.cause ?? new Error(r.shortMessage);
  } finally {
    if (raw) stdin.setRawMode(true);
    stdout.write(ALT_ON + CLEAR);
  }
}
