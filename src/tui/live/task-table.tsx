// tsx (the dev loader) takes JSX settings from the tsconfig of the cwd, not this project's;
// the CLI runs from any folder, so the runtime is named here. @jsxRuntime automatic @jsxImportSource react
import { Text } from 'ink';
import { overlapMark } from '../../tasks/overlap.js';
import { visible } from '../../visible.js';
import { headerCells, rowCells } from './format.js';
import type { TaskRow } from './rows.js';
import { stateRole, type Role } from './theme.js';
import type { TextProps } from 'ink';

interface Props {
  rows: readonly TaskRow[];
  focusId: number | null;
  now: number;
  columnHeader: boolean;
  style: (role: Role) => TextProps;
}

/** At 80 columns the fixed cells take 50; the warning leaves the title a few characters. */
const OVERLAP_WIDTH = 22;

/** One line per task; every line is cut at the terminal's edge so the frame's height is exact. */
export function TaskTable({ rows, focusId, now, columnHeader, style }: Props) {
  return (
    <>
      {columnHeader && (
        <Text wrap="truncate-end" {...style('dim')}>
          {headerCells()}
        </Text>
      )}
      {rows.map((row) => {
        const focused = row.id === focusId;
        const c = rowCells(row, now);
        return (
          <Text key={row.id} wrap="truncate-end">
            <Text {...style('focus')}>{focused ? '> ' : '  '}</Text>
            {c.id}
            {c.attempt}
            <Text {...style(stateRole(row.state))}>{c.phase}</Text>
            {c.check}
            {c.tps}
            {c.wait}
            {c.time}
            {/* Before the title, so a long title cannot push the warning off the line. */}
            {row.overlap && <Text {...style('warn')}>{`${overlapMark(row.overlap, OVERLAP_WIDTH)}  `}</Text>}
            <Text {...(focused ? style('focus') : {})}>{visible(row.title)}</Text>
          </Text>
        );
      })}
    </>
  );
}
