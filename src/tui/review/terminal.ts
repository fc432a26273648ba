import { execaSync } from 'execa';

/** The terminal side of the review: the alternate screen, the clipboard, and lending the tty to a shell. */

const ALT_ON = '\x1b[?1049h';
const ALT_OFF = '\x1b[?1049l';
const CLEAR = '\x1b[2J\x1b[H';

/** Full-screen on the alternate screen, so quitting gives the user's scrollback back untouched. */
export function enterFullScreen(out: NodeJS.WriteStream): () => void {
  out.write(ALT_ON + CLEAR);
  let left = false;
  const leave = () => {
    if (left) return;
    left = true;
    out.write(ALT_OFF);
  };
  process.once('exit', leave);
  return () => {
    process.off('exit', leave);
    leave();
  };
}

/** OSC 52: the terminal (or tmux, or ssh's far end) puts the text on the system clipboard. */
export function osc52(text: string): string {
  return `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;
}

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
