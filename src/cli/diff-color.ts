import { visible } from '../visible.js';

const paint = (code: string, line: string) => `\x1b[${code}m${line}\x1b[0m`;

/**
 * A diff of files a model wrote, safe for a terminal: its control characters are shown, and the
 * colours are added here, after that, rather than by git (git's colours cannot be told apart
 * from escape sequences inside the files).
 */
export function safeDiff(diff: string, color: boolean): string {
  const text = visible(diff, { multiline: true });
  if (!color) return text;
  return text
    .split('\n')
    .map((l) => {
      if (/^(diff --git|index |--- |\+\+\+ |new file|deleted file|similarity|rename )/.test(l))
        return paint('1', l);
      if (l.startsWith('@@')) return paint('36', l);
      if (l.startsWith('+')) return paint('32', l);
      if (l.startsWith('-')) return paint('31', l);
      return l;
    })
    .join('\n');
}
