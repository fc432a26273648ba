/** `factory show`'s block for an attempt's visual check. */
import type { AttemptVisual } from '../tasks/visual-results.js';
import { descriptionLines, errorLines, viewportLine } from '../tasks/visual-words.js';
import { visible } from '../visible.js';
import { duration } from './format.js';

/** The head line of an attempt's visual check. */
export function visualHead(v: AttemptVisual): string {
  const url = v.url ? ` ${visible(v.url)}` : '';
  return `visual check${url}  ${duration(v.durationMs)}`;
}

/** The block `factory show` prints under an attempt, indented by two spaces. */
export function visualBlock(v: AttemptVisual): string[] {
  const out = [visualHead(v)];
  if (v.error) out.push(`  could not look: ${visible(v.error)}`);
  for (const vp of v.viewports) {
    out.push(`  ${viewportLine(vp)}`);
    for (const l of descriptionLines(vp)) out.push(`    ${l}`);
  }
  for (const l of errorLines(v.errors)) out.push(`  ${l}`);
  out.push(`  folder ${visible(v.dir || '(none)')}${v.dir && !v.dirFound ? ' (deleted)' : ''}`);
  return out.map((l) => `  ${l}`);
}
