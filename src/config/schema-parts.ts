/**
 * The building blocks of factory's configuration schema, shared by its sections.
 */
import { z } from 'zod';

/*
 * zod compiles a parser for each object schema (new Function) the first time it parses one: that
 * pays off over thousands of parses, but factory parses its configuration a few times per run,
 * and the compiling was a tenth of `factory list`'s start-up. Set before any schema is made:
 * each object schema reads it when it is created.
 */
z.config({ jitless: true });

/*
 * Every schema carries its own `error` text so a failure reads "expected <what>", which the loader
 * completes with the file, the field and the value it got. zod's generic messages would not say
 * which kind of number or string is wanted.
 */

/*
 * Every number has a range: a value far out of it is a typo or a unit mix-up (milliseconds for
 * seconds), and some would break silently (a timeout past 2^31 ms fires at once). The message
 * names the range, and the loader adds the field and the value.
 */
export const intIn = (min: number, max: number, what = 'an integer') => {
  const error = `expected ${what} from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

export const numberIn = (min: number, max: number, what: string, exclusiveMin = false) => {
  const error = `expected ${what} ${exclusiveMin ? `above ${min} and up to` : `from ${min} to`} ${max}`;
  const n = z.number({ error }).max(max, { error });
  return exclusiveMin ? n.gt(min, { error }) : n.min(min, { error });
};

/** Seconds a timeout may be: a day at most, far below what a timer can hold (24.8 days). */
export const MAX_TIMEOUT_SECONDS = 86_400;
export const MAX_ATTEMPTS = 100;

export const nonEmptyString = (error = 'expected a non-empty string') =>
  z.string({ error }).min(1, { error });

export const httpURL = () => {
  const error = 'expected an http(s) URL such as "http://127.0.0.1:8080/v1"';
  return z.url({ protocol: /^https?$/, error });
};

export const pathList = () =>
  z.array(nonEmptyString('expected a non-empty path'), { error: 'expected an array of paths' });

/** GB (2^30 bytes) a model server needs, or null: estimated from its model files (src/llm/model-memory.ts). */
export const memoryGB = () => numberIn(0, 1_000_000, 'a number of GB', true).nullable().default(null);
