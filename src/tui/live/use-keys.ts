import { useInput, useStdin } from 'ink';
import type { LiveStore } from './store.js';

/**
 * up/down or k/j move the focus. Ink reads keys in raw mode, where Ctrl-C arrives as a key
 * instead of SIGINT; it is handed to `onInterrupt`, so the run's own Ctrl-C handling (first
 * cancels, second quits) still decides. q only says how to stop: quitting the view alone would
 * leave the run going unseen.
 */
export function useKeys(store: LiveStore, active: boolean, onInterrupt: (() => void) | undefined): void {
  const { isRawModeSupported } = useStdin();
  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') onInterrupt?.();
      else if (key.upArrow || input === 'k') store.moveFocus(-1);
      else if (key.downArrow || input === 'j') store.moveFocus(1);
      else if (input === 'q') store.note('q does not stop the run; Ctrl-C cancels it');
    },
    { isActive: active && isRawModeSupported === true },
  );
}
