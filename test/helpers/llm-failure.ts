import { expect } from 'vitest';
import { LlmError } from '../../src/llm/errors.js';

/** The rejection of a model request that must fail, as the LlmError factory gives its callers. */
export async function failure(p: Promise<unknown>): Promise<LlmError> {
  const e = await p.then(
    (r) => {
      throw new Error(`expected a failure, got ${JSON.stringify(r)}`);
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(LlmError);
  return e as LlmError;
}
