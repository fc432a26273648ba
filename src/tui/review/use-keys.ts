import { useCallback, useRef } from 'react';
import { useInput, type Key } from 'ink';
import { describeError } from './format.js';
import { resolveKey, type Action, type KeyContext } from './keys.js';

/**
 * useInput with a handler that always sees the latest render. Ink re-subscribes a changed
 * handler in a passive effect, which can run after the next key arrives: a key pressed right
 * after new data was drawn would then act on the data from before.
 */
export function useLatestInput(handler: (input: string, key: Key) => void, active = true): void {
  const latest = useRef(handler);
  latest.current = handler;
  const stable = useCallback((input: string, key: Key) => latest.current(input, key), []);
  useInput(stable, { isActive: active });
}

/**
 * Feeds a screen the actions its keys mean. A handler that throws reports the error instead of
 * taking the process down: Ink calls handlers outside React, where no error boundary reaches.
 * Several characters arriving in one read (a paste) match no key, on purpose: acting on them
 * one by one would act on a selection the screen has not shown yet.
 */
export function useKeys(
  ctx: KeyContext,
  active: boolean,
  handle: (action: Action) => void,
  onError: (message: string) => void,
): void {
  useLatestInput((input, key) => {
    const action = resolveKey(ctx, input, key);
    if (!action) return;
    try {
      handle(action);
    } catch (e) {
      onError(describeError(e));
    }
  }, active);
}
