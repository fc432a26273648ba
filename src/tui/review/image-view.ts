import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { CLEAR } from './terminal.js';
import { inlineImage, KITTY_DELETE_ALL, type ImageProtocol } from './terminal-image.js';

/*
 * The screenshot drawn on the terminal itself, as a step of its own: Ink redraws its frame as a
 * whole at any moment and measures every line's width, so an image sequence inside the frame
 * would be redrawn, cut or measured wrongly. Instead the frame is erased, the picture drawn on
 * the cleared screen, and the review takes the screen back after one key (as with a shell).
 * Apart from terminal.ts so that it loads when first used.
 */

/** Larger files are not sent to the terminal (a screenshot is a few hundred KiB). */
const MAX_BYTES = 16 * 1024 * 1024;

export interface ImageTerminal {
  stdout: NodeJS.WriteStream;
  /** Erases what Ink drew, so Ink draws a whole new frame afterwards. */
  clearFrame(): void;
}

/**
 * Blocks until one key arrives on the terminal. The event loop stands still meanwhile, so Ink
 * neither draws nor reads: the key goes to this read (the terminal is still in raw mode).
 */
function readOneKey(): void {
  const fd = openSync('/dev/tty', 'r');
  try {
    readSync(fd, Buffer.alloc(64), 0, 64, null);
  } finally {
    closeSync(fd);
  }
}

/** Shows `file` full-screen with a caption line above it, until a key is pressed. */
export function showImage(
  protocol: ImageProtocol,
  file: string,
  caption: string,
  fallback: { width: number; height: number },
  term: ImageTerminal,
): void {
  const size = statSync(file).size;
  if (size > MAX_BYTES) throw new Error(`${file} is too large to show here (${size} bytes); o opens it`);
  const png = readFileSync(file);
  const { stdout } = term;
  const columns = stdout.columns || 80;
  const rows = stdout.rows || 24;
  const image = inlineImage(protocol, png, columns, Math.max(1, rows - 2), fallback);
  term.clearFrame();
  try {
    stdout.write(`${CLEAR}${caption.slice(0, Math.max(1, columns - 1))}\r\n${image.sequence}`);
    readOneKey();
  } finally {
    stdout.write((protocol === 'kitty' ? KITTY_DELETE_ALL : '') + CLEAR);
  }
}
