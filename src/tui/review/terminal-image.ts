/**
 * Inline images on terminals that draw them: which protocol the terminal speaks, and the escape
 * sequences that draw a PNG in a box of cells. Pure: the bytes are written by image-view.ts.
 */

export type ImageProtocol = 'kitty' | 'iterm';

/**
 * The image protocol of the terminal the review runs on, from its environment, or null. Inside
 * tmux or screen the sequences never reach the outer terminal (they need a passthrough the user
 * may not have allowed), so there is none.
 */
export function imageProtocol(env: NodeJS.ProcessEnv): ImageProtocol | null {
  if (env.TMUX || env.STY) return null;
  if (env.TERM === 'xterm-kitty' || env.KITTY_WINDOW_ID) return 'kitty';
  if (env.TERM_PROGRAM === 'iTerm.app' || env.LC_TERMINAL === 'iTerm2') return 'iterm';
  return null;
}

/** Base64 bytes per kitty escape sequence (the protocol's limit). */
export const KITTY_CHUNK = 4096;

/**
 * The kitty graphics sequence that draws `png` over `cols` x `rows` cells at the cursor: the
 * base64 data in chunks of 4096 bytes, every chunk but the last with m=1. q=2: the terminal sends
 * no answer, which would otherwise arrive on stdin as if typed.
 */
export function kittyImage(png: Uint8Array, cols: number, rows: number): string {
  const data = Buffer.from(png).toString('base64');
  const chunks: string[] = [];
  for (let i = 0; i < data.length; i += KITTY_CHUNK) chunks.push(data.slice(i, i + KITTY_CHUNK));
  if (!chunks.length) chunks.push('');
  return chunks
    .map((c, i) => {
      const more = i < chunks.length - 1 ? 1 : 0;
      const keys = i === 0 ? `f=100,a=T,q=2,c=${cols},r=${rows},m=${more}` : `m=${more}`;
      return `\x1b_G${keys};${c}\x1b\\`;
    })
    .join('');
}

/** Deletes every image kitty shows (the review's screen holds text only). */
export const KITTY_DELETE_ALL = '\x1b_Ga=d,q=2\x1b\\';

/** The iTerm2 sequence (OSC 1337) that draws `png` inline within `cols` x `rows` cells. */
export function itermImage(png: Uint8Array, cols: number, rows: number): string {
  const data = Buffer.from(png).toString('base64');
  return `\x1b]1337;File=inline=1;width=${cols};height=${rows};preserveAspectRatio=1:${data}\x07`;
}

/** A PNG's size in pixels, from its header; null when the bytes are not a PNG. */
export function pngSize(png: Uint8Array): { width: number; height: number } | null {
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (b.length < 24 || b.readUInt32BE(0) !== 0x89504e47 || b.toString('latin1', 12, 16) !== 'IHDR')
    return null;
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  return width > 0 && height > 0 ? { width, height } : null;
}

/**
 * The largest box of cells within `maxCols` x `maxRows` that keeps the picture's proportions,
 * taking a cell to be twice as tall as it is wide (as in most terminal fonts).
 */
export function fitCells(
  px: { width: number; height: number },
  maxCols: number,
  maxRows: number,
): { cols: number; rows: number } {
  const cols = Math.max(1, Math.floor(maxCols));
  const rows = Math.max(1, Math.floor(maxRows));
  const ratio = px.height / px.width / 2;
  const rowsAtFullWidth = Math.round(cols * ratio);
  if (rowsAtFullWidth <= rows) return { cols, rows: Math.max(1, rowsAtFullWidth) };
  return { cols: Math.max(1, Math.min(cols, Math.round(rows / ratio))), rows };
}

/** The sequence that draws `png` in a box of at most `maxCols` x `maxRows` cells, proportions kept. */
export function inlineImage(
  protocol: ImageProtocol,
  png: Uint8Array,
  maxCols: number,
  maxRows: number,
  fallback: { width: number; height: number },
): { sequence: string; cols: number; rows: number } {
  const known = fallback.width > 0 && fallback.height > 0 ? fallback : { width: 16, height: 10 };
  const box = fitCells(pngSize(png) ?? known, maxCols, maxRows);
  const sequence =
    protocol === 'kitty' ? kittyImage(png, box.cols, box.rows) : itermImage(png, box.cols, box.rows);
  return { sequence, ...box };
}
