/** @jsxRuntime automatic @jsxImportSource react */
import { Text } from 'ink';
import { overlapMark, type Overlap } from '../../../tasks/overlap.js';
import { useTheme } from '../theme.js';

/**
 * The warning a running task's row shows when another running task changed one of its files.
 * It goes before the title: the line is cut at the terminal's edge, and the title is the part
 * that may go.
 */
export function OverlapMark({ overlap }: { overlap: Overlap | undefined }) {
  const theme = useTheme();
  if (!overlap) return null;
  return <Text color={theme.c('warn')}>{`${overlapMark(overlap, 28)} · `}</Text>;
}
