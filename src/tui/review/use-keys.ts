import { createContext, useContext, useLayoutEffect, useRef } from 'react';
import type { Key } from 'ink';
import { describeError } from './format.js';
import type { KeyBus, KeyEntry } from './key-bus.js';
import { resolveKey, type Action, type KeyContext } from './keys.js';

export const KeyBusContext = createContext<KeyBus | null>(null);

/**
 * A key handler that always sees the latest committed render. It is registered with the review's
 * key bus, which hands it one key at a time, each after the frame of the previous key.
 * `text`: the handler takes runs of typed characters whole (see KeyBus).
 */
export function useLatestInput(
  handler: (input: string, key: Key) => void,
  active = true,
  opts: { text?: boolean } = {},
): void {
  const bus = useContext(KeyBusContext);
  if (!bus) throw new Error('review key handlers must be rendered inside KeyRoot');
  const entry = useRef<KeyEntry | null>(null);
  entry.current ??= { handler, active, text: Boolean(opts.text) };
  // After every commit of this component: the bus only hands out a key after a commit.
  useLayoutEffect(() => {
    entry.current!.handler = handler;
    entry.current!.active = active;
    entry.current!.text = Boolean(opts.text);
  });
  useLayoutEffect(() => bus.register(entry.current!), [bus]);
}

/**
 * Feeds a screen the actions its keys mean. A handler that throws reports the error instead of
 * taking the process down: Ink calls handlers outside React, where no error boundary reaches.
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
