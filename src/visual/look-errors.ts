/**
 * The browser's errors of a capture as one list of lines for the judge and the next Coder: console
 * errors and warnings, uncaught exceptions, failed requests and pages that did not load. The same
 * error at several viewports is one line naming them all.
 */
import { capText } from './capture-bounds.js';
import type { ViewportResult } from './visual-json.js';

/** Characters of one line: enough for a message and where it came from. */
const LINE_CHARS = 300;

function where(loc: { url: string; line: number } | undefined): string {
  if (!loc?.url) return '';
  const file = loc.url.replace(/^[a-z]+:\/\/[^/]*/, '').replace(/^.*\/(?=[^/]+$)/, '');
  return ` (${file}${loc.line ? `:${loc.line + 1}` : ''})`;
}

function linesOf(v: ViewportResult): string[] {
  const out: string[] = [];
  if (v.load.error) out.push(`the page did not load: ${v.load.error}`);
  for (const e of v.pageErrors.entries) out.push(`uncaught error: ${e.message}`);
  for (const c of v.console.entries) out.push(`console ${c.type}: ${c.text}${where(c.location)}`);
  for (const n of v.network.entries)
    out.push(
      `request failed: ${n.method} ${n.url} ${n.status !== undefined ? `answered ${n.status}` : `(${n.failure ?? 'no answer'})`}`,
    );
  const dropped = v.console.dropped + v.pageErrors.dropped + v.network.dropped;
  if (dropped) out.push(`${dropped} more errors not kept`);
  return out.map((l) => capText(l.replace(/\s*\n\s*/g, ' '), LINE_CHARS));
}

/** One line per distinct error, `[desktop, phone] …`, in the order they were first seen. */
export function errorLines(viewports: readonly ViewportResult[]): string[] {
  const seen = new Map<string, string[]>();
  for (const v of viewports)
    for (const line of linesOf(v)) {
      const names = seen.get(line) ?? [];
      if (!names.includes(v.name)) names.push(v.name);
      seen.set(line, names);
    }
  return [...seen].map(([line, names]) => `[${names.join(', ')}] ${line}`);
}
