/** @jsxRuntime automatic @jsxImportSource react */
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { useInput, type Key } from 'ink';
import { KeyBus } from '../key-bus.js';
import { KeyBusContext } from '../use-keys.js';

/** Reads the keyboard for the whole review and hands each key to the bus. */
function KeyPump({ bus }: { bus: KeyBus }) {
  const [frame, setFrame] = useState(0);
  const onInput = useCallback((input: string, key: Key) => bus.push(input, key), [bus]);
  useInput(onInput);
  useLayoutEffect(() => bus.setFrameRequest(setFrame), [bus]);
  // Runs after the commit of the frame the bus asked for after a key; by then every change that
  // key made is committed with it, so the next key sees them.
  useEffect(() => bus.committed(frame), [bus, frame]);
  return null;
}

/** Gives the screens below one key bus; `onError` gets what a key handler threw. */
export function KeyRoot({ children, onError }: { children: ReactNode; onError: (e: unknown) => void }) {
  const report = useRef(onError);
  report.current = onError;
  const [bus] = useState(() => new KeyBus((e) => report.current(e)));
  return (
    <KeyBusContext.Provider value={bus}>
      {children}
      <KeyPump bus={bus} />
    </KeyBusContext.Provider>
  );
}
