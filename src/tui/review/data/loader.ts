import { useEffect, useRef, useState } from 'react';
import { describeError } from '../format.js';

export interface Loaded<T> {
  data?: T;
  error?: string;
  loading: boolean;
}

/**
 * Runs `load` for `key`, and again whenever `tick` moves; `initial` is shown until the first load ends. A reload that is asked for while one
 * runs waits for it and then runs once: results are never dropped for being overtaken, so a
 * busy task that changes faster than a reload takes still updates the screen.
 */
export function useLoader<T>(load: () => Promise<T>, key: string, tick: number, initial?: T): Loaded<T> {
  // What was read before the first render is shown as loaded; it is read again at once all the same.
  const [state, setState] = useState<Loaded<T> & { key: string }>(() =>
    initial === undefined ? { key, loading: true } : { key, data: initial, loading: false },
  );
  const run = useRef({ busy: false, again: false, key, alive: true });
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const r = run.current;
    r.alive = true;
    const keyChanged = r.key !== key;
    r.key = key;
    if (keyChanged) setState({ key, loading: true });
    const go = () => {
      r.busy = true;
      r.again = false;
      const forKey = r.key;
      loadRef.current().then(
        (data) => done(forKey, { data, loading: false }),
        (e: unknown) => done(forKey, { error: describeError(e), loading: false }),
      );
    };
    const done = (forKey: string, next: Loaded<T>) => {
      r.busy = false;
      if (!r.alive) return;
      // A failed reload keeps what was shown before, with the error next to it.
      if (forKey === r.key)
        setState((s) => ({
          key: forKey,
          ...(next.error && s.key === forKey ? { data: s.data } : {}),
          ...next,
        }));
      if (r.again || forKey !== r.key) go();
    };
    if (r.busy) r.again = true;
    else go();
    return () => {
      r.alive = false;
    };
  }, [key, tick]);

  useEffect(
    () => () => {
      run.current.alive = false;
    },
    [],
  );
  return state.key === key ? state : { loading: true };
}
