/** How the frame's lines are shared out, so the frame always fits the terminal. */
export interface Layout {
  notes: number;
  columnHeader: boolean;
  /** Task rows shown; the rest scroll with the focus. */
  rows: number;
  /** Lines of the focused task's Coder text; 0 hides the pane with its title line. */
  text: number;
}

const MIN_TEXT = 3;

/**
 * `height` is the terminal's row count. The frame stays at least one line shorter: at full
 * height Ink clears the whole screen on each redraw, which flickers and eats the scrollback.
 * Priority: the header line, notices (they say what Ctrl-C did), the task rows, then the text.
 */
export function layout(height: number, tasks: number, notes: number, done: boolean): Layout {
  let left = Math.max(1, height - 1) - 1;
  // One line stays for a task row, so at least the focused task shows.
  const n = Math.min(notes, 2, Math.max(0, left - (tasks > 0 ? 1 : 0)));
  left -= n;
  const columnHeader = tasks > 0 && left >= 2;
  if (columnHeader) left--;
  if (done) return { notes: n, columnHeader, rows: Math.min(tasks, left), text: 0 };
  // Many tasks share the screen with the text; a few leave it the rest.
  const rows = Math.min(
    tasks,
    Math.max(Math.min(1, left), Math.min(left - 1 - MIN_TEXT, Math.ceil(left / 2))),
  );
  left -= rows;
  return { notes: n, columnHeader, rows, text: left >= 2 ? left - 1 : 0 };
}

/** The first of `size` consecutive rows to show out of `count`, keeping `focus` in view near the middle. */
export function windowStart(count: number, size: number, focus: number): number {
  if (size >= count) return 0;
  return Math.min(count - size, Math.max(0, focus - Math.floor(size / 2)));
}
