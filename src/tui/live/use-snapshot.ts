import { useMemo, useSyncExternalStore } from 'react';
import type { LiveSnapshot, LiveStore } from './store.js';

/**
 * The store's state as React sees it, republished at most once per `intervalMs`: streamed tokens
 * arrive far faster than anyone can read, and each redraw repaints the whole frame. Urgent
 * changes (keys, notices, the end) go through at once. 0 republishes on every change (tests).
 */
class Throttled {
  private current: LiveSnapshot;
  private timer: NodeJS.Timeout | undefined;
  private last = 0;

  constructor(
    private readonly store: LiveStore,
    private readonly intervalMs: number,
  ) {
    this.current = store.snapshot();
  }

  get = (): LiveSnapshot => this.current;

  subscribe = (onChange: () => void): (() => void) => {
    const publish = () => {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.last = Date.now();
      this.current = this.store.snapshot();
      onChange();
    };
    const off = this.store.subscribe((urgent) => {
      if (urgent || this.intervalMs <= 0) return publish();
      this.timer ??= setTimeout(publish, Math.max(0, this.last + this.intervalMs - Date.now()));
    });
    // Anything that changed before React subscribed.
    publish();
    return () => {
      off();
      clearTimeout(this.timer);
      this.timer = undefined;
    };
  };
}

export function useSnapshot(store: LiveStore, intervalMs: number): LiveSnapshot {
  // An external store's updates render synchronously, so the last state is on screen before unmount.
  const source = useMemo(() => new Throttled(store, intervalMs), [store, intervalMs]);
  return useSyncExternalStore(source.subscribe, source.get);
}
