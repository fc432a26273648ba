/** The escape sequences that draw a screenshot on kitty and iTerm2, byte for byte. */
import { describe, expect, it } from 'vitest';
import {
  fitCells,
  imageProtocol,
  inlineImage,
  itermImage,
  KITTY_CHUNK,
  KITTY_DELETE_ALL,
  kittyImage,
  pngSize,
} from '../../src/tui/review/terminal-image.js';
import { solidPng } from '../helpers/png.js';

const ESC = '\x1b';
const ST = `${ESC}\\`;

describe('imageProtocol', () => {
  it('knows kitty and iTerm2 from their environment, and nothing inside tmux or screen', () => {
    expect(imageProtocol({ TERM: 'xterm-kitty' })).toBe('kitty');
    expect(imageProtocol({ TERM: 'xterm-256color', KITTY_WINDOW_ID: '3' })).toBe('kitty');
    expect(imageProtocol({ TERM_PROGRAM: 'iTerm.app' })).toBe('iterm');
    expect(imageProtocol({ LC_TERMINAL: 'iTerm2' })).toBe('iterm');
    expect(imageProtocol({ TERM: 'xterm-256color', TERM_PROGRAM: 'Apple_Terminal' })).toBeNull();
    expect(imageProtocol({})).toBeNull();
    expect(imageProtocol({ TERM: 'xterm-kitty', TMUX: '/tmp/tmux-1/default,1,0' })).toBeNull();
    expect(imageProtocol({ LC_TERMINAL: 'iTerm2', STY: '123.pts-0' })).toBeNull();
  });
});

describe('kittyImage', () => {
  it('sends a small image in one sequence, with the format, the placement and its box', () => {
    const png = Buffer.from('tiny');
    expect(kittyImage(png, 40, 12)).toBe(`${ESC}_Gf=100,a=T,q=2,c=40,r=12,m=0;dGlueQ==${ST}`);
  });

  it('splits the base64 data into chunks of 4096 bytes, m=1 on all but the last', () => {
    const png = Buffer.alloc(3 * 4096, 7); // base64: 16384 characters, four full chunks
    const b64 = png.toString('base64');
    const seq = kittyImage(png, 80, 20);
    const parts = seq.split(ST).slice(0, -1);
    expect(parts).toHaveLength(4);
    expect(parts[0]).toBe(`${ESC}_Gf=100,a=T,q=2,c=80,r=20,m=1;${b64.slice(0, KITTY_CHUNK)}`);
    expect(parts[1]).toBe(`${ESC}_Gm=1;${b64.slice(KITTY_CHUNK, 2 * KITTY_CHUNK)}`);
    expect(parts[2]).toBe(`${ESC}_Gm=1;${b64.slice(2 * KITTY_CHUNK, 3 * KITTY_CHUNK)}`);
    expect(parts[3]).toBe(`${ESC}_Gm=0;${b64.slice(3 * KITTY_CHUNK)}`);
    expect(seq.endsWith(ST)).toBe(true);

    const odd = Buffer.alloc(3100, 1); // base64: 4136 characters: one full chunk and 40 more
    const oddParts = kittyImage(odd, 1, 1).split(ST).slice(0, -1);
    expect(oddParts.map((p) => p.slice(p.indexOf(';') + 1).length)).toEqual([4096, 40]);
    expect(oddParts.map((p) => p.slice(0, p.indexOf(';')))).toEqual([
      `${ESC}_Gf=100,a=T,q=2,c=1,r=1,m=1`,
      `${ESC}_Gm=0`,
    ]);
    expect(oddParts.map((p) => p.slice(p.indexOf(';') + 1)).join('')).toBe(odd.toString('base64'));
  });

  it('deletes every image with one sequence', () => {
    expect(KITTY_DELETE_ALL).toBe(`${ESC}_Ga=d,q=2${ST}`);
  });
});

describe('itermImage', () => {
  it('is one OSC 1337 sequence with the box and the proportions kept', () => {
    expect(itermImage(Buffer.from('tiny'), 40, 12)).toBe(
      `${ESC}]1337;File=inline=1;width=40;height=12;preserveAspectRatio=1:dGlueQ==\x07`,
    );
  });
});

describe('fitting the picture in cells', () => {
  it('reads the size from the PNG header, and nothing from other bytes', () => {
    expect(pngSize(solidPng(1280, 8))).toEqual({ width: 1280, height: 8 });
    expect(pngSize(Buffer.from('not a png at all, not at all'))).toBeNull();
    expect(pngSize(Buffer.alloc(0))).toBeNull();
  });

  it('keeps the proportions with cells twice as tall as wide', () => {
    // 1280x800 at 80 columns: 80 * 800/1280 / 2 = 25 rows; the box has 22, so the width gives way.
    expect(fitCells({ width: 1280, height: 800 }, 80, 22)).toEqual({ cols: 70, rows: 22 });
    expect(fitCells({ width: 1280, height: 800 }, 80, 40)).toEqual({ cols: 80, rows: 25 });
    // A phone screenshot is tall: the rows decide.
    expect(fitCells({ width: 390, height: 844 }, 80, 22)).toEqual({ cols: 20, rows: 22 });
    expect(fitCells({ width: 4000, height: 10 }, 80, 22)).toEqual({ cols: 80, rows: 1 });
  });

  it('draws the real PNG in the fitted box, or in the size it was taken at when the file is no PNG', () => {
    const png = solidPng(1280, 800);
    expect(inlineImage('kitty', png, 80, 22, { width: 1, height: 1 })).toMatchObject({ cols: 70, rows: 22 });
    expect(inlineImage('kitty', png, 80, 22, { width: 1, height: 1 }).sequence).toBe(kittyImage(png, 70, 22));
    const junk = Buffer.from('junk');
    expect(inlineImage('iterm', junk, 80, 22, { width: 390, height: 844 })).toEqual({
      sequence: itermImage(junk, 20, 22),
      cols: 20,
      rows: 22,
    });
    expect(inlineImage('iterm', junk, 80, 40, { width: 0, height: 0 })).toMatchObject({ cols: 80, rows: 25 });
  });
});
