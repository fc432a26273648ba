import { FactoryError } from '../errors.js';
import { Command, CommanderError } from 'commander';
import { visible } from '../visible.js';

/**
 * Wraps a command's action so every failure ends as one clear message and the right exit code:
 * 2 for refusals and usage errors, 1 for operations that failed. Stack traces are shown only
 * with FACTORY_DEBUG=1. A command run with `--json` also gets the error as JSON on stdout.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (e) {
      process.exitCode = reportError(e, { json: askedForJson(args) });
    }
  };
}

/** Commander passes the Command last: its parsed options say whether `--json` was given. */
function askedForJson(args: unknown[]): boolean {
  const cmd = args.at(-1);
  return cmd instanceof Command && cmd.opts().json === true;
}

/** Lines are kept: some messages list files one per line. */
const ml = { multiline: true };

/**
 * The error as JSON, for scripts that read stdout: `{"error":{"message","hint"?,"exitCode"}}` on
 * one line, so it also ends an NDJSON stream (`task --json --events`) as one more line. The text is
 * data here: JSON.stringify escapes control characters itself.
 */
export function writeJsonError(error: { message: string; hint?: string; exitCode: number }): void {
  const { message, hint, exitCode } = error;
  process.stdout.write(`${JSON.stringify({ error: { message, ...(hint ? { hint } : {}), exitCode } })}\n`);
}

export function reportError(e: unknown, opts: { json?: boolean } = {}): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
  if (e instanceof FactoryError) {
    // One line, so scripts and people both get the whole story from the first line of stderr.
    // Messages may quote a model, a check or a server: their control characters are shown.
    process.stderr.write(`factory: ${visible(e.message, ml)}${e.hint ? ` — ${visible(e.hint, ml)}` : ''}\n`);
    if (process.env.FACTORY_DEBUG) process.stderr.write(`${e.stack}\n`);
    if (opts.json) writeJsonError({ message: e.message, hint: e.hint, exitCode: e.exitCode });
    return e.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`factory: unexpected error: ${visible(msg, ml)}\n`);
  if (process.env.FACTORY_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write('  run again with FACTORY_DEBUG=1 for the stack trace\n');
  if (opts.json) writeJsonError({ message: `unexpected error: ${msg}`, exitCode: 1 });
  return 1;
}

/**
 * A usage error commander found (unknown option, missing argument) when the command line asks for
 * `--json`: commander has printed its line on stderr; this adds the JSON object on stdout. The
 * command line is read as given because commander stops before any action runs.
 */
export function reportUsageErrorAsJson(err: CommanderError, argv: string[]): void {
  // Help and version are not errors (help after a bad command line has its own error first).
  if (err.exitCode === 0 || err.code.startsWith('commander.help')) return;
  const end = argv.indexOf('--');
  if (!(end < 0 ? argv : argv.slice(0, end)).includes('--json')) return;
  writeJsonError({ message: err.message.replace(/^error: /, ''), exitCode: 2 });
}

/** Prints data as JSON when asked, else as text. */
export function emit(json: boolean | undefined, data: unknown, text: () => string): void {
  if (json) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else {
    const t = text();
    if (t) process.stdout.write(t.endsWith('\n') ? t : `${t}\n`);
  }
}
