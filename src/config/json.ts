import { refuse } from '../errors.js';

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

const POSITION = /at position (\d+)/;

/** True when `prefix` is valid JSON so far: it parses, or fails only because it ends too early. */
function validSoFar(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return true;
  } catch (e) {
    const message = (e as Error).message;
    const m = POSITION.exec(message);
    return m ? Number(m[1]) >= prefix.length : /end of JSON input/i.test(message);
  }
}

/**
 * Where parsing fails. V8 names the position for some errors only ("Unexpected token ']', ... is
 * not valid JSON" has none), so otherwise find the shortest prefix that is already broken: its
 * last character is the culprit.
 */
function errorOffset(text: string, message: string): number {
  const m = POSITION.exec(message);
  if (m) return Number(m[1]);
  if (/end of JSON input/i.test(message)) return text.length;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (validSoFar(text.slice(0, mid + 1))) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** JSON.parse with an error that names the file, line and column (exit code 2). */
export function parseJson(text: string, label: string): unknown {
  const body = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(body);
  } catch (e) {
    const message = (e as Error).message;
    const { line, column } = lineColumn(body, Math.min(errorOffset(body, message), body.length));
    const reason = message
      .replace(/ (in JSON )?at position \d+.*$/s, '')
      .replace(/, (?:\.\.\.)?".*is not valid JSON$/s, '');
    throw refuse(`${label}: invalid JSON at line ${line}, column ${column}: ${reason}`);
  }
}
