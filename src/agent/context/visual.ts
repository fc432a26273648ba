/**
 * The visual check as the judge and the next Coder read it: per viewport what the describer said
 * (its words, quoted as data, never read for a verdict) and what the browser measured, then the
 * browser's errors. The describer describes; the Sheriff compares that with the design spec.
 */
import type { VisualLook, VisualViewport } from '../types.js';
import { fenced } from './text.js';

/** Errors listed; the rest are counted. */
const MAX_ERRORS = 12;

function size(v: VisualViewport): string {
  return `${v.width}x${v.height}${v.mobile ? ', a phone' : ''}`;
}

/** What the browser itself measured at the viewport: facts, not anyone's opinion. */
function measured(v: VisualViewport): string {
  if (v.overflow === null) return 'The page could not be measured at this size.';
  if (!v.overflow) return 'The page is not wider than the screen (no sideways scrolling).';
  const wide = v.scrollWidth ? ` (${v.scrollWidth} px of content in ${v.width} px)` : '';
  return `The page is wider than the screen and scrolls sideways${wide}.`;
}

function errorLines(look: VisualLook): string {
  if (!look.errors.length) return 'No console errors, page errors or failed requests.';
  const shown = look.errors.slice(0, MAX_ERRORS).map((e) => `- ${e}`);
  const more = look.errors.length - shown.length;
  return [...shown, ...(more > 0 ? [`- … and ${more} more`] : [])].join('\n');
}

/**
 * The Sheriff's section, each description cut to `perViewport` characters. The spec is part of
 * the task section (renderTask), so it is not repeated here.
 */
export function renderVisual(look: VisualLook, perViewport: number): string {
  const parts = [
    '# The visual check',
    `The check passed, so the orchestrator opened ${look.url} in a browser at each screen size below, ` +
      'and a vision model described each screenshot. The descriptions are what is on the screen; ' +
      'compare them and the measurements with the design spec.',
  ];
  if (look.error) parts.push(`It could not look at the page: ${look.error}`);
  for (const v of look.viewports) {
    const said =
      v.description === null
        ? `(no description: ${v.describeError ?? 'the describer gave none'})`
        : fenced(cut(v.description, perViewport));
    parts.push(`## ${v.name} (${size(v)})\n${measured(v)}\nDescription:\n${said}`);
  }
  parts.push(`## Browser errors\n${errorLines(look)}`);
  return parts.join('\n\n');
}

/** What the next Coder attempt is told after a visual FAIL: the descriptions and the errors. */
export function visualProblem(look: VisualLook, perViewport = 1200): string {
  if (look.error) return `the visual check could not look at the page: ${look.error}`;
  const lines = [
    'the visual check failed. What the browser showed after your last attempt (the describer says what is on the screen):',
  ];
  for (const v of look.viewports) {
    const said = v.description === null ? '(no description)' : cut(v.description, perViewport);
    lines.push(`  ${v.name} (${size(v)}): ${measured(v)} ${said.replace(/\s*\n\s*/g, ' ')}`);
  }
  lines.push(`  Browser errors: ${look.errors.length ? '' : 'none'}`);
  for (const e of look.errors.slice(0, MAX_ERRORS)) lines.push(`  - ${e}`);
  return lines.join('\n');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)} …[cut]`;
}
