import type { z } from 'zod';
import { keysAt } from './fields.js';

/** `server.endpoints[0].baseURL`: dots for keys, brackets for array indices. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  return out;
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The candidate closest to `key`, if it is close enough to be a plausible typo. */
export function suggest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    // Case slips (baseUrl for baseURL) count as one edit, whatever their length.
    const d = c.toLowerCase() === key.toLowerCase() ? 1 : levenshtein(key, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/**
 * One line per problem: `<where>: <field>: <what is wrong>`. `where` comes from the caller because
 * only it knows whether the value came from a file, an env var or a flag.
 */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  where: (path: readonly PropertyKey[]) => string,
): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const valid = keysAt(issue.path) ?? [];
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const near = suggest(key, valid);
        const hint = near ? `did you mean "${near}"?` : `valid keys are ${valid.join(', ')}`;
        lines.push(`${where(path)}: ${formatPath(path)}: unknown key; ${hint}`);
      }
      continue;
    }
    const value = valueAt(input, issue.path);
    const field = issue.path.length ? `${formatPath(issue.path)}: ` : '';
    const problem =
      value === undefined ? `missing; ${issue.message}` : `${issue.message}, got ${show(value)}`;
    lines.push(`${where(issue.path)}: ${field}${problem}`);
  }
  return lines;
}
