import type { TextProps } from 'ink';
import type { RowState } from './rows.js';

export type Role = 'heading' | 'dim' | 'active' | 'good' | 'bad' | 'warn' | 'focus';

const COLORED: Record<Role, TextProps> = {
  heading: { bold: true },
  dim: { dimColor: true },
  active: { color: 'cyan' },
  good: { color: 'green' },
  bad: { color: 'red' },
  warn: { color: 'yellow' },
  focus: { bold: true },
};

/** https://no-color.org: present and not empty. Ink's colour detection does not look at it. */
export function wantsColor(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.NO_COLOR;
}

/**
 * Text props for each role. Without colour only bold is kept, so nothing depends on colour to
 * be read: outcomes are words and the focus has its own marker.
 */
export function theme(color: boolean): (role: Role) => TextProps {
  return (role) => (color ? COLORED[role] : role === 'heading' || role === 'focus' ? { bold: true } : {});
}

export function stateRole(state: RowState): Role {
  switch (state) {
    case 'passed':
      return 'good';
    case 'failed':
    case 'error':
      return 'bad';
    case 'stagnated':
    case 'budget':
    case 'cancelled':
      return 'warn';
    case 'starting':
    case 'stopped':
      return 'dim';
    default:
      return 'active';
  }
}
