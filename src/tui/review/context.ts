import { createContext, useContext } from 'react';
import type { Address } from '../../tasks/address.js';
import type { ReviewDeps } from './deps.js';
import type { WatchTicks } from './data/watch.js';
import type { Size } from './size.js';

/** The screens, as a stack: enter pushes one, esc pops it. */
export type Screen =
  | { kind: 'list' }
  | { kind: 'detail'; id: number }
  | { kind: 'diff'; id: number; scopes: Address[]; scope: number }
  | { kind: 'transcript'; id: number }
  | { kind: 'conflicts' }
  | { kind: 'merge'; id: number }
  | { kind: 'help' };

/** A question or a text input in the footer; while one is open, the screens take no keys. */
export type Dialog =
  | { kind: 'confirm'; question: string; busy: string; run: () => Promise<string> }
  | { kind: 'input'; prompt: string; busy: string; run: (text: string) => Promise<string> };

export interface Status {
  tone: 'info' | 'ok' | 'error' | 'busy';
  text: string;
}

export interface ReviewApi {
  deps: ReviewDeps;
  ticks: WatchTicks;
  size: Size;
  /** Lines the screen may use: the terminal minus the header and footer, minus one. */
  bodyHeight: number;
  push(screen: Screen): void;
  pop(): void;
  ask(dialog: Dialog): void;
  /** Runs an action, showing `busy` meanwhile and then its result or its error in the status line. */
  act(busy: string, fn: () => Promise<string>, after?: () => void): void;
  say(status: Status): void;
}

export const ReviewContext = createContext<ReviewApi | null>(null);

export function useReview(): ReviewApi {
  const api = useContext(ReviewContext);
  if (!api) throw new Error('review screens must be rendered inside ReviewApp');
  return api;
}
