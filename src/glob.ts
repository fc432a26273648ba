/**
 * A small glob matcher for repository paths (`src/app/page.tsx`, always `/`-separated):
 * `*` is any run of characters within one folder name, `?` one such character, `**` as a whole
 * path segment any number of folders (none included), `{a,b}` either alternative (nestable).
 * A pattern without `/` matches the file's name at any depth, as in `.gitignore`: `*.css` is
 * `**\/*.css`. No character classes: factory's own patterns need none, and a `[` is literal.
 *
 * Written here rather than taken from node: `path.matchesGlob` is experimental in Node 20.
 */

/** Thrown for a pattern that cannot be read (an unclosed `{`); the message says why. */
export class GlobError extends Error {}

const escapeRe = (ch: string) => ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The regular-expression source of `pattern` from `i` until `stop` (`,` or `}` inside braces). */
function translate(pattern: string, start: number, inBraces: boolean): { src: string; end: number } {
  let src = '';
  let i = start;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (inBraces && (ch === ',' || ch === '}')) return { src, end: i };
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        const atStart = i === 0 || pattern[i - 1] === '/';
        const atEnd = i + 2 === pattern.length || pattern[i + 2] === '/';
        if (atStart && atEnd) {
          if (pattern[i + 2] === '/') {
            // `**/`: any number of whole folders, none included.
            src += '(?:[^/]*/)*';
            i += 3;
          } else {
            // A trailing `**`: everything below.
            src += '.*';
            i += 2;
          }
          continue;
        }
      }
      src += '[^/]*';
      i += 1;
    } else if (ch === '?') {
      src += '[^/]';
      i += 1;
    } else if (ch === '{') {
      const options: string[] = [];
      let j = i + 1;
      while (true) {
        const part = translate(pattern, j, true);
        options.push(part.src);
        if (part.end >= pattern.length) throw new GlobError(`"${pattern}" has a "{" that is never closed`);
        j = part.end + 1;
        if (pattern[part.end] === '}') break;
      }
      src += `(?:${options.join('|')})`;
      i = j;
    } else if (ch === '}') {
      // Only reached outside braces: most likely a typo in a list of extensions.
      throw new GlobError(`"${pattern}" has a "}" that was never opened`);
    } else {
      src += escapeRe(ch);
      i += 1;
    }
  }
  if (inBraces) return { src, end: pattern.length };
  return { src, end: i };
}

/** The matcher of one pattern; throws GlobError when the pattern cannot be read. */
export function compileGlob(pattern: string): (file: string) => boolean {
  if (pattern === '') throw new GlobError('an empty pattern matches nothing');
  const { src } = translate(pattern, 0, false);
  const anyDepth = !pattern.includes('/');
  const re = new RegExp(`^${anyDepth ? '(?:[^/]*/)*' : ''}${src}$`);
  return (file) => re.test(file.replace(/\\/g, '/').replace(/^\.\//, ''));
}

/** Why `pattern` cannot be used, or null when it can. */
export function globProblem(pattern: string): string | null {
  try {
    compileGlob(pattern);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Whether any of `files` matches any of `patterns`. */
export function anyMatch(patterns: readonly string[], files: readonly string[]): boolean {
  const matchers = patterns.map(compileGlob);
  return files.some((f) => matchers.some((m) => m(f)));
}
