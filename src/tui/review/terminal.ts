/** The terminal side of the review: the alternate screen, the clipboard, and lending the tty to a shell. */

export const ALT_ON = '\x1b[?1049h';
export const ALT_OFF = '\x1b[?1049l';
export const CLEAR = '\x1b[2J\x1b[H';

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
