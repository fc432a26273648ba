import { useEffect, useState } from 'react';
import { useStdout } from 'ink';

export interface Size {
  columns: number;
  rows: number;
}

const read = (s: NodeJS.WriteStream): Size => ({
  columns: Math.max(40, s.columns || 80),
  rows: Math.max(12, s.rows || 24),
});

/** The terminal size, following resizes. Screens lay themselves out from it. */
export function useTerminalSize(): Size {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => read(stdout));
  useEffect(() => {
    const onResize = () => setSize(read(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
