/** @jsxRuntime automatic @jsxImportSource react */
import { Box, Text } from 'ink';
import type { ConflictMatrix } from '../../../tasks/conflicts.js';
import { pairFiles } from '../data/conflicts.js';
import { clean, fit } from '../format.js';
import { useTheme } from '../theme.js';

const CELL = 6;
const LABEL = 18;

/** `ok`, or `!N` for N conflicting files: readable without colour. */
const cell = (files: string[]) => (files.length ? `!${files.length}` : 'ok');

/**
 * Rows are open tasks; the first column is the base (what the main worktree has checked out),
 * then one column per task. Columns that do not fit are cut; the per-task lines under the matrix
 * name every conflicting file anyway.
 */
export function Matrix(props: {
  matrix: ConflictMatrix;
  into: string;
  selected?: number;
  width: number;
  rows: number;
}) {
  const theme = useTheme();
  const { matrix, selected } = props;
  const { tasks } = matrix;
  if (tasks.length === 0) return <Text>No open task branches: nothing can conflict.</Text>;
  const index = Math.max(
    0,
    tasks.findIndex((t) => t.id === selected),
  );
  const first = Math.max(0, Math.min(index - props.rows + 1, tasks.length - props.rows));
  const header = fit('', LABEL) + fit(props.into, CELL) + tasks.map((t) => fit(`#${t.id}`, CELL)).join('');
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" color={theme.c('muted')}>
        {header}
      </Text>
      {tasks.slice(first, first + props.rows).map((t) => {
        const isSel = t.id === selected;
        const base = matrix.withBase[t.id] ?? [];
        return (
          <Text key={t.id} wrap="truncate" bold={isSel} inverse={isSel && theme.color}>
            {isSel ? '› ' : '  '}
            {fit(`#${t.id} ${clean(t.title)}`, LABEL - 3)}{' '}
            <Text color={base.length ? theme.c('error') : theme.c('ok')}>{fit(cell(base), CELL)}</Text>
            {tasks.map((o) => {
              if (o.id === t.id) return <Text key={o.id}>{fit('-', CELL)}</Text>;
              const files = pairFiles(matrix, t.id, o.id);
              return (
                <Text key={o.id} color={files.length ? theme.c('error') : theme.c('ok')}>
                  {fit(cell(files), CELL)}
                </Text>
              );
            })}
          </Text>
        );
      })}
      <Text wrap="truncate" color={theme.c('muted')}>
        ok: merges cleanly · !N: N conflicting files · -: the same task
      </Text>
    </Box>
  );
}

/** In words: what the task conflicts with, file by file. */
export function conflictLines(matrix: ConflictMatrix, id: number, into: string): string[] {
  const base = matrix.withBase[id] ?? [];
  const lines = [
    base.length ? `with ${into}: CONFLICT in ${base.map(clean).join(', ')}` : `with ${into}: merges cleanly`,
  ];
  for (const o of matrix.tasks) {
    if (o.id === id) continue;
    const files = pairFiles(matrix, id, o.id);
    if (files.length) lines.push(`with task ${o.id}: CONFLICT in ${files.map(clean).join(', ')}`);
  }
  if (lines.length === 1 && matrix.tasks.length > 1) lines.push('with the other open tasks: no conflict');
  return lines;
}
