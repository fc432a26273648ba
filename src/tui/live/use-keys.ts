import { useInput, useStdin } from 'ink';
import { splitKeys } from '../split-keys.js';
import type { LiveStore } from './store.js';

/**
 * up/down or k/j move the focus. Ink reads keys in raw mode, where Ctrl-C arrives as a key
 * instead of SIGINT; it is handed to `onInterrupt`, so the run's own Ctrl-C handling (first
 * cancels, second quits) still decides. q only says how to stop: quitting the view alone would
 * leave the run going unseen. Keys that arrive together (`jj`) are each applied, in order; the
 * store changes at once, so the second key already sees the first one's focus.
 */
export function useKeys(store: LiveStore, active: boolean, onInterrupt: (() => void) | undefined): void {
  const { isRawModeSupported } = useStdin();
  useInput(
    (raw, rawKey) => {
      for (const [input, key] of splitKeys(raw, rawKey)) {
        if (key.ctrl && input === 'c') onInterrupt?.();
        else if (key.upArrow || input === 'k') store.moveFocus(-1);
        else if (key.downArrow || input === 'j') store.moveFocus(1);
        else if (input === 'q') store.note('q does not stop the run; Ctrl-C cancels it');
      }
    },
    { isActive: active && isRawModeSupported === true },
  );
}
