import { InvalidArgumentError } from 'commander';

/**
 * The one parser for every numeric command-line flag. A value that is not a number, or is out of
 * range, is a usage error: commander names the flag and the CLI exits 2, before anything runs.
 */
export interface NumberRule {
  /** Whole numbers only (counts, lines). */
  integer?: boolean;
  /** Smallest value allowed (inclusive). */
  min: number;
  /** What the flag expects, for the message, e.g. "a number of seconds, 0 or more". */
  expected: string;
}

export function parseNumber(value: string, rule: NumberRule): number {
  const text = value.trim();
  // Number('') is 0 and Number('0x10') is 16: only plain decimal notation is a number here.
  const n = /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n) || (rule.integer && !Number.isInteger(n)) || n < rule.min)
    throw new InvalidArgumentError(`expected ${rule.expected}`);
  return n;
}

/** A commander argParser for the rule. */
export const numberOption =
  (rule: NumberRule) =>
  (value: string): number =>
    parseNumber(value, rule);

export const count = numberOption({ integer: true, min: 1, expected: 'a whole number, 1 or more' });
export const lines = numberOption({ integer: true, min: 0, expected: 'a whole number of lines, 0 or more' });
export const seconds = numberOption({ min: 0, expected: 'a number of seconds, 0 or more' });
export const positiveSeconds = numberOption({ min: 0.001, expected: 'a number of seconds above 0' });
