import { createContext, useContext } from 'react';

/**
 * Colours by meaning. With NO_COLOR every colour is dropped; the screens still say everything in
 * words and signs (status names, +/- prefixes, the `›` selection marker), so nothing is lost.
 */
export type Tone = 'added' | 'removed' | 'hunk' | 'file' | 'muted' | 'accent' | 'warn' | 'error' | 'ok';

const COLOURS: Record<Tone, string> = {
  added: 'green',
  removed: 'red',
  hunk: 'cyan',
  file: 'yellow',
  muted: 'gray',
  accent: 'cyan',
  warn: 'yellow',
  error: 'red',
  ok: 'green',
};

const STATUS_TONES: Record<string, Tone> = {
  running: 'accent',
  passed: 'ok',
  failed: 'error',
  stagnated: 'warn',
  cancelled: 'muted',
  interrupted: 'warn',
  merged: 'hunk',
  discarded: 'muted',
  open: 'muted',
};

export interface Theme {
  color: boolean;
  /** The colour of a tone, or undefined when colour is off. */
  c(tone: Tone): string | undefined;
  status(status: string): string | undefined;
}

export function makeTheme(color: boolean): Theme {
  return {
    color,
    c: (tone) => (color ? COLOURS[tone] : undefined),
    status: (s) => (color ? COLOURS[STATUS_TONES[s] ?? 'muted'] : undefined),
  };
}

/** https://no-color.org: present and not empty. */
export const colorWanted = (env: NodeJS.ProcessEnv = process.env) => !env.NO_COLOR;

export const ThemeContext = createContext<Theme>(makeTheme(true));
export const useTheme = () => useContext(ThemeContext);
