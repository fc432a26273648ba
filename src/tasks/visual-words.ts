/**
 * The visual check's results in words, shared by `factory show` and the review: a viewport's line,
 * its description cut to a few lines, the browser's errors. Safe to print: model and page text go
 * through visible().
 */
import type { TaskSpec, VisualViewportResult } from './visual-results.js';
import path from 'node:path';
import { visible } from '../visible.js';

/** How much of a description is printed per viewport: `factory log` has all of it. */
export const DESCRIPTION_LINES = 4;
const DESCRIPTION_CHARS = 400;
/** How many of the browser's error lines are printed. */
export const ERROR_LINES = 3;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** At most `lines` lines and `chars` characters of `text`, safe to print, with a mark where it was cut. */
export function capText(text: string, lines: number, chars: number): string[] {
  const all = visible(text.trim(), { multiline: true })
    .replace(/\t/g, ' ')
    .split('\n')
    .filter((l) => l.trim());
  const out: string[] = [];
  let left = chars;
  for (const l of all) {
    if (out.length === lines || left <= 0) break;
    out.push(l.length > left ? `${l.slice(0, left)}…` : l);
    left -= l.length;
  }
  if (out.length < all.length && !out[out.length - 1]!.endsWith('…')) out[out.length - 1] += ' …';
  return out;
}

function overflowWords(v: VisualViewportResult): string {
  if (v.overflow === null) return 'overflow not measured';
  return v.overflow ? 'OVERFLOW: scrolls sideways' : 'no overflow';
}

/** One viewport's head line: name, size, the overflow flag, the screenshot. */
export function viewportLine(v: VisualViewportResult): string {
  const size = `${v.width}x${v.height}${v.mobile ? ' mobile' : ''}`;
  const shot = v.file ? `${visible(path.basename(v.file))}${v.found ? '' : ' (missing)'}` : 'no screenshot';
  return `${visible(v.name)} ${size}  ${overflowWords(v)}  ${shot}`;
}

/** A viewport's description as lines, or why there is none. */
export function descriptionLines(v: VisualViewportResult, lines = DESCRIPTION_LINES): string[] {
  if (v.description?.trim()) return capText(v.description, lines, DESCRIPTION_CHARS);
  return [`(no description${v.describeError ? `: ${visible(v.describeError)}` : ''})`];
}

/** The browser's error lines: how many, and the first few. */
export function errorLines(errors: string[], first = ERROR_LINES): string[] {
  if (!errors.length) return ['no browser errors'];
  const out = [`${plural(errors.length, 'browser error')}:`];
  for (const e of errors.slice(0, first)) out.push(`  ${visible(e)}`);
  if (errors.length > first) out.push(`  … ${errors.length - first} more`);
  return out;
}

/** Who wrote the spec, when it was not the task file. */
export function specSource(spec: TaskSpec): string {
  return spec.source === 'model' ? ' (written by the model: the task gave none)' : '';
}
