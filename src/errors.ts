/**
 * One error type for everything the user can act on. `exitCode` 2 means the request itself was
 * refused (bad input, wrong state); 1 means the operation was attempted and failed.
 */
export class FactoryError extends Error {
  readonly exitCode: number;
  readonly hint?: string;

  constructor(message: string, opts: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'FactoryError';
    this.exitCode = opts.exitCode ?? 1;
    this.hint = opts.hint;
  }
}

/** A refusal: the user asked for something that cannot be done as asked (exit code 2). */
export function refuse(message: string, hint?: string): FactoryError {
  return new FactoryError(message, { exitCode: 2, hint });
}

/** A compare-and-swap on a ref lost: someone else moved it. Never retried over their commit. */
export class RefConflictError extends FactoryError {
  constructor(
    readonly ref: string,
    readonly expected: string,
  ) {
    super(`conflict: ${ref} moved while factory was updating it (expected ${expected.slice(0, 12)})`, {
      exitCode: 1,
      hint: 'another process committed to this branch; inspect it with `git log` before retrying',
    });
    this.name = 'RefConflictError';
  }
}
