import type { Key } from 'ink';

/**
 * Every key of the review TUI, in one table. Screens never look at raw keys: they ask
 * `resolveKey` for an action, so the help screen and the footer hints can never disagree
 * with what a key really does.
 */

export type KeyContext =
  'global' | 'list' | 'detail' | 'diff' | 'transcript' | 'conflicts' | 'merge' | 'help' | 'confirm' | 'input';

export type Action =
  | 'quit'
  | 'help'
  | 'back'
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'top'
  | 'bottom'
  | 'open'
  | 'diff'
  | 'transcript'
  | 'conflicts'
  | 'merge'
  | 'discard'
  | 'rollback'
  | 'undo'
  | 'feedback'
  | 'cancel'
  | 'shell'
  | 'copy'
  | 'showAll'
  | 'pane'
  | 'paneUp'
  | 'paneDown'
  | 'openShot'
  | 'nextShot'
  | 'viewShot'
  | 'nextFile'
  | 'prevFile'
  | 'nextHunk'
  | 'prevHunk'
  | 'scope'
  | 'squash'
  | 'mergeCommit'
  | 'rebase'
  | 'nextMode'
  | 'prevMode'
  | 'doMerge'
  | 'yes'
  | 'no'
  | 'submit'
  | 'erase';

type Matcher = (input: string, key: Key) => boolean;

export interface Binding {
  action: Action;
  contexts: KeyContext[];
  /** How the help screen writes the keys. */
  keys: string;
  help: string;
  /** A short label for the footer; bindings without one only appear in the help. */
  hint?: string;
  match: Matcher;
}

const plain = (key: Key) => !key.ctrl && !key.meta;
const char =
  (...chars: string[]): Matcher =>
  (input, key) =>
    plain(key) && chars.includes(input);
const any =
  (...ms: Matcher[]): Matcher =>
  (input, key) =>
    ms.some((m) => m(input, key));
const special =
  (name: keyof Key): Matcher =>
  (_input, key) =>
    key[name] === true;

/**
 * Enter: a carriage return, or a line feed. A line feed is Ctrl-J, and it is what Enter becomes
 * when pressed before the review's first frame set the terminal raw (the terminal's line editing
 * turns the return into a line feed): a key pressed as the list appears still opens the task.
 */
const enter: Matcher = (input, key) => key.return === true || input === '\n';

const TASK_SCREENS: KeyContext[] = ['list', 'detail'];
const MOVING: KeyContext[] = ['list', 'detail', 'diff', 'transcript', 'conflicts', 'help'];

export const BINDINGS: Binding[] = [
  // Everywhere (except while typing or answering a question).
  { action: 'quit', contexts: ['global'], keys: 'q', help: 'quit', hint: 'quit', match: char('q') },
  { action: 'help', contexts: ['global'], keys: '?', help: 'this help', hint: 'help', match: char('?') },
  {
    action: 'back',
    contexts: ['global'],
    keys: 'esc',
    help: 'go back',
    hint: 'back',
    match: special('escape'),
  },

  // Moving.
  {
    action: 'up',
    contexts: MOVING,
    keys: '↑ k',
    help: 'move up',
    match: any(special('upArrow'), char('k')),
  },
  {
    action: 'down',
    contexts: MOVING,
    keys: '↓ j',
    help: 'move down',
    match: any(special('downArrow'), char('j')),
  },
  {
    action: 'pageUp',
    contexts: ['list', 'diff', 'transcript', 'help'],
    keys: 'PgUp b',
    help: 'page up',
    match: any(special('pageUp'), char('b')),
  },
  {
    action: 'pageDown',
    contexts: ['list', 'diff', 'transcript', 'help'],
    keys: 'PgDn space',
    help: 'page down',
    match: any(special('pageDown'), char(' ')),
  },
  {
    action: 'top',
    contexts: ['list', 'detail', 'diff', 'transcript', 'help'],
    keys: 'Home g',
    help: 'go to the top',
    match: any(special('home'), char('g')),
  },
  {
    action: 'bottom',
    contexts: ['list', 'detail', 'diff', 'transcript', 'help'],
    keys: 'End G',
    help: 'go to the bottom',
    match: any(special('end'), char('G')),
  },

  // Opening things.
  {
    action: 'open',
    contexts: ['list'],
    keys: 'enter',
    help: 'open the task',
    hint: 'open',
    match: enter,
  },
  {
    action: 'open',
    contexts: ['detail'],
    keys: 'enter',
    help: 'diff of the selected attempt or step',
    hint: 'diff it',
    match: enter,
  },
  {
    action: 'diff',
    contexts: TASK_SCREENS,
    keys: 'd',
    help: 'diff of the whole task against its base',
    hint: 'diff',
    match: char('d'),
  },
  {
    action: 'transcript',
    contexts: ['detail'],
    keys: 'l',
    help: "the task's transcript, one line per turn (as factory log --short)",
    hint: 'log',
    match: char('l'),
  },
  {
    action: 'conflicts',
    contexts: ['list', 'detail'],
    keys: 'C',
    help: 'conflict matrix of the open tasks',
    hint: 'conflicts',
    match: char('C'),
  },
  {
    action: 'showAll',
    contexts: ['list'],
    keys: 'a',
    help: 'show or hide discarded tasks',
    match: char('a'),
  },

  // Acting on the selected task.
  {
    action: 'merge',
    contexts: TASK_SCREENS,
    keys: 'm',
    help: 'merge the task (shows the conflicts first)',
    hint: 'merge',
    match: char('m'),
  },
  {
    action: 'discard',
    contexts: TASK_SCREENS,
    keys: 'x',
    help: 'discard the task (asks first)',
    hint: 'discard',
    match: char('x'),
  },
  {
    action: 'rollback',
    contexts: ['detail'],
    keys: 'r',
    help: 'roll back to the selected attempt or step (asks first)',
    hint: 'roll back',
    match: char('r'),
  },
  {
    action: 'undo',
    contexts: TASK_SCREENS,
    keys: 'u',
    help: 'undo the last rollback (asks first)',
    hint: 'undo',
    match: char('u'),
  },
  {
    action: 'feedback',
    contexts: TASK_SCREENS,
    keys: 'f',
    help: 'resume with feedback, in the background',
    hint: 'feedback',
    match: char('f'),
  },
  {
    action: 'cancel',
    contexts: TASK_SCREENS,
    keys: 'c',
    help: 'cancel the running task (asks first)',
    match: char('c'),
  },
  {
    action: 'shell',
    contexts: TASK_SCREENS,
    keys: 's',
    help: "open a shell in the task's worktree (exit it to come back)",
    match: char('s'),
  },
  {
    action: 'copy',
    contexts: TASK_SCREENS,
    keys: 'y',
    help: 'copy the branch name',
    match: char('y'),
  },

  // Task detail.
  {
    action: 'pane',
    contexts: ['detail'],
    keys: 't',
    help: "switch the lower pane: check output / the Coder's text",
    hint: 'pane',
    match: char('t'),
  },
  {
    action: 'paneUp',
    contexts: ['detail'],
    keys: 'PgUp K',
    help: 'scroll the lower pane up',
    match: any(special('pageUp'), char('K')),
  },
  {
    action: 'paneDown',
    contexts: ['detail'],
    keys: 'PgDn J',
    help: 'scroll the lower pane down',
    match: any(special('pageDown'), char('J')),
  },
  {
    action: 'openShot',
    contexts: ['detail'],
    keys: 'o',
    help: "open the marked screenshot of the selected attempt's visual check in the system viewer",
    match: char('o'),
  },
  {
    action: 'nextShot',
    contexts: ['detail'],
    keys: 'v',
    help: 'mark the next screenshot (viewport) of the selected attempt',
    match: char('v'),
  },
  {
    action: 'viewShot',
    contexts: ['detail'],
    keys: 'i',
    help: 'show the marked screenshot in the terminal, any key returns (kitty, iTerm2)',
    match: char('i'),
  },

  // Diff view.
  { action: 'nextFile', contexts: ['diff'], keys: ']', help: 'next file', hint: 'file', match: char(']') },
  { action: 'prevFile', contexts: ['diff'], keys: '[', help: 'previous file', match: char('[') },
  {
    action: 'nextHunk',
    contexts: ['diff'],
    keys: '} n',
    help: 'next hunk',
    hint: 'hunk',
    match: char('}', 'n'),
  },
  { action: 'prevHunk', contexts: ['diff'], keys: '{ p', help: 'previous hunk', match: char('{', 'p') },
  {
    action: 'scope',
    contexts: ['diff'],
    keys: 's',
    help: 'scope: whole task / attempt / step',
    hint: 'scope',
    match: char('s'),
  },

  // Merge screen.
  { action: 'squash', contexts: ['merge'], keys: 's', help: 'mode: squash', match: char('s') },
  { action: 'mergeCommit', contexts: ['merge'], keys: 'm', help: 'mode: merge commit', match: char('m') },
  { action: 'rebase', contexts: ['merge'], keys: 'r', help: 'mode: rebase', match: char('r') },
  {
    action: 'nextMode',
    contexts: ['merge'],
    keys: '→ tab',
    help: 'next mode',
    hint: 'mode',
    match: any(special('rightArrow'), special('tab')),
  },
  { action: 'prevMode', contexts: ['merge'], keys: '←', help: 'previous mode', match: special('leftArrow') },
  {
    action: 'doMerge',
    contexts: ['merge'],
    keys: 'enter',
    help: 'merge with the chosen mode',
    hint: 'merge',
    match: enter,
  },

  // Questions and text input.
  { action: 'yes', contexts: ['confirm'], keys: 'y', help: 'yes, do it', hint: 'yes', match: char('y', 'Y') },
  {
    action: 'no',
    contexts: ['confirm'],
    keys: 'n esc',
    help: 'no, leave it',
    hint: 'no',
    match: any(char('n', 'N'), special('escape')),
  },
  {
    action: 'submit',
    contexts: ['input'],
    keys: 'enter',
    help: 'send',
    hint: 'send',
    match: enter,
  },
  {
    action: 'no',
    contexts: ['input'],
    keys: 'esc',
    help: 'cancel',
    hint: 'cancel',
    match: special('escape'),
  },
  {
    action: 'erase',
    contexts: ['input'],
    keys: 'backspace',
    help: 'erase a character',
    match: any(special('backspace'), special('delete')),
  },
];

/** The action a key means in a context, if any. */
export function resolveKey(ctx: KeyContext, input: string, key: Key): Action | undefined {
  for (const b of BINDINGS) if (b.contexts.includes(ctx) && b.match(input, key)) return b.action;
  return undefined;
}

/** The footer: the hinted keys of a screen, then the global ones. */
export function hintsFor(ctx: KeyContext): { keys: string; label: string }[] {
  const own = BINDINGS.filter((b) => b.hint && b.contexts.includes(ctx));
  const global =
    ctx === 'confirm' || ctx === 'input' ? [] : BINDINGS.filter((b) => b.contexts.includes('global'));
  return [...own, ...global].map((b) => ({ keys: b.keys.split(' ')[0]!, label: b.hint ?? b.help }));
}

const SECTION_TITLES: [KeyContext, string][] = [
  ['global', 'Everywhere'],
  ['list', 'Task list'],
  ['detail', 'Task detail'],
  ['diff', 'Diff'],
  ['transcript', 'Transcript'],
  ['conflicts', 'Conflicts'],
  ['merge', 'Merge'],
  ['help', 'This help'],
  ['confirm', 'Questions'],
  ['input', 'Typing feedback'],
];

/** Every binding, grouped by screen, for the help screen. */
export function helpSections(): { title: string; rows: { keys: string; help: string }[] }[] {
  return SECTION_TITLES.map(([ctx, title]) => ({
    title,
    rows: BINDINGS.filter((b) => b.contexts.includes(ctx)).map((b) => ({ keys: b.keys, help: b.help })),
  }));
}
