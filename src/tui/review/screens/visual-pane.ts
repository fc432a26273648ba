import path from 'node:path';
import type { AttemptVisual, TaskSpec } from '../../../tasks/visual-results.js';
import { DESCRIPTION_LINES, errorLines, specSource, viewportLine } from '../../../tasks/visual-words.js';
import { clean, duration } from '../format.js';
import { wrap } from './pane.js';

/** Lines of the spec shown above the screenshots; `factory show` prints all of it. */
const SPEC_LINES = 3;

/** At most `max` lines, the last one marked when more were cut. */
function capped(lines: string[], max: number): string[] {
  if (lines.length <= max) return lines;
  const kept = lines.slice(0, max);
  kept[max - 1] = `${kept[max - 1]} …`;
  return kept;
}

/** The viewport the o and i keys act on: the marked one, counted round. */
export function markedViewport(v: AttemptVisual | undefined, mark: number) {
  if (!v?.viewports.length) return undefined;
  const n = v.viewports.length;
  return v.viewports[((mark % n) + n) % n];
}

/**
 * The visual check of one attempt in the detail's lower pane: the spec, each viewport (the marked
 * one with ›) with the describer's words, the browser's errors, the folder, and the keys.
 */
export function visualLines(
  v: AttemptVisual,
  spec: TaskSpec | null,
  mark: number,
  width: number,
  canShow: boolean,
): string[] {
  const out = [
    `visual check of attempt ${v.attempt}${v.url ? ` · ${clean(v.url)}` : ''} · ${duration(v.durationMs)}`,
  ];
  if (spec) out.push(...capped(wrap(`spec${specSource(spec)}: ${spec.text}`, width, '  '), SPEC_LINES));
  if (v.error) out.push(...wrap(`could not look: ${v.error}`, width, '  '));
  const marked = markedViewport(v, mark);
  for (const vp of v.viewports) {
    out.push(`${vp === marked ? '›' : ' '} ${viewportLine(vp)}`);
    const words = vp.description?.trim()
      ? capped(wrap(vp.description, Math.max(10, width - 4)), DESCRIPTION_LINES)
      : [`(no description${vp.describeError ? `: ${clean(vp.describeError)}` : ''})`];
    out.push(...words.map((l) => `    ${l}`));
  }
  out.push(...errorLines(v.errors).map((l) => clean(l)));
  out.push(`folder ${clean(v.dir || '(none)')}${v.dir && !v.dirFound ? ' (deleted)' : ''}`);
  if (marked?.found)
    out.push(
      `o opens ${clean(path.basename(marked.file))} in the image viewer${v.viewports.length > 1 ? ' · v marks the next one' : ''}${canShow ? ' · i shows it here' : ''}`,
    );
  else if (marked)
    out.push(
      `the screenshot ${clean(marked.file)} is gone${v.viewports.length > 1 ? ' · v marks the next one' : ''}`,
    );
  return out;
}
