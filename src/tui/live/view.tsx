// tsx (the dev loader) takes JSX settings from the tsconfig of the cwd, not this project's;
// the CLI runs from any folder, so the runtime is named here. @jsxRuntime automatic @jsxImportSource react
import { Box, Text } from 'ink';
import { visible } from '../../visible.js';
import { CoderPane } from './coder-pane.js';
import { countsLine, rateCell } from './format.js';
import { layout, windowStart } from './layout.js';
import type { LiveStore } from './store.js';
import { TaskTable } from './task-table.js';
import { theme } from './theme.js';
import { useKeys } from './use-keys.js';
import { useSnapshot } from './use-snapshot.js';
import { useTerminalSize, type Size } from './use-terminal-size.js';

export interface LiveViewProps {
  store: LiveStore;
  /** At most one redraw per this many ms; 50 is 20 frames a second. */
  intervalMs?: number;
  color?: boolean;
  /** A fixed size instead of the terminal's (tests). */
  size?: Size;
  /** Ctrl-C, which raw mode keeps from becoming SIGINT. */
  onInterrupt?: () => void;
}

/** One row per task and the focused task's Coder text; once done, only the rows stay. */
export function LiveView({ store, intervalMs = 50, color = true, size, onInterrupt }: LiveViewProps) {
  const snap = useSnapshot(store, intervalMs);
  const { columns, rows: height } = useTerminalSize(size);
  useKeys(store, !snap.done, onInterrupt);
  const style = theme(color);
  const fit = layout(height, snap.rows.length, snap.notes.length, snap.done);
  const focus = Math.max(
    0,
    snap.rows.findIndex((r) => r.id === snap.focusId),
  );
  const from = windowStart(snap.rows.length, fit.rows, focus);
  const shown = snap.rows.slice(from, from + fit.rows);
  const hidden = snap.rows.length > shown.length ? `  (${from + 1}-${from + shown.length} shown)` : '';
  const queue = snap.queue
    ? `  queue: ${snap.queue.waiting} waiting, ${rateCell(snap.queue.tokensPerSecond)} tok/s`
    : '';
  return (
    <Box flexDirection="column" width={columns}>
      <Text wrap="truncate-end">
        <Text {...style('heading')}>factory</Text>
        {`  ${countsLine(snap.rows, snap.done)}${hidden}${queue}`}
      </Text>
      <TaskTable
        rows={shown}
        focusId={snap.done ? null : snap.focusId}
        now={snap.now}
        columnHeader={fit.columnHeader}
        style={style}
      />
      <CoderPane row={snap.rows[focus]} text={snap.text} lines={fit.text} columns={columns} style={style} />
      {snap.notes.slice(snap.notes.length - fit.notes).map((n, i) => (
        <Text key={i} wrap="truncate-end" {...style('warn')}>
          {visible(n)}
        </Text>
      ))}
    </Box>
  );
}
