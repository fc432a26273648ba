import { FactoryError } from '../errors.js';
import { CommanderError } from 'commander';
import { visible } from '../visible.js';

/**
 * Wraps a command's action so every failure ends as one clear message and the right exit code:
 * 2 for refusals and usage errors, 1 for operations that failed. Stack traces are shown only
 * with FACTORY_DEBUG=1.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (e) {
      process.exitCode = reportError(e);
    }
  };
}

/** Lines are kept: some messages list files one per line. */
const ml = { multiline: true };

export function reportError(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
  if (e instanceof FactoryError) {
    // One line, so scripts and people both get the whole story from the first line of stderr.
    // Messages may quote a model, a check or a server: their control characters are shown.
    process.stderr.write(`factory: ${visible(e.message, ml)}${e.hint ? ` — ${visible(e.hint, ml)}` : ''}\n`);
    if (process.env.FACTORY_DEBUG) process.stderr.write(`${e.stack}\n`);
    return e.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`factory: unexpected error: ${visible(msg, ml)}\n`);
  if (process.env.FACTORY_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write('  run again with FACTORY_DEBUG=1 for the stack trace\n');
  return 1;
}

/** Prints data as JSON when asked, else as text. */
export function emit(json: boolean | undefined, data: unknown, text: () => string): void {
  if (json) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else {
    const t = text();
    if (t) process.stdout.write(t.endsWith('\n') ? t : `${t}\n`);
  }
}
