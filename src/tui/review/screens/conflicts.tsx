/** @jsxRuntime automatic @jsxImportSource react */
import { useState } from 'react';
import { Box, Text } from 'ink';
import { useReview } from '../context.js';
import { useConflicts } from '../data/conflicts.js';
import { useTheme } from '../theme.js';
import { useKeys } from '../use-keys.js';
import { clamp } from '../components/scroll.js';
import { conflictLines, Matrix } from '../components/matrix.js';

/** Which open task branches conflict with the base and with each other. */
export function ConflictsScreen({ active }: { active: boolean }) {
  const api = useReview();
  const theme = useTheme();
  const conflicts = useConflicts(api.deps.repo, api.ticks.tasks);
  const [index, setIndex] = useState(0);
  const tasks = conflicts.data?.matrix.tasks ?? [];
  const at = clamp(index, 0, Math.max(0, tasks.length - 1));

  useKeys(
    'conflicts',
    active,
    (action) => {
      if (action === 'up') setIndex(at - 1);
      if (action === 'down') setIndex(at + 1);
    },
    (text) => api.say({ tone: 'error', text }),
  );

  if (!conflicts.data) {
    if (conflicts.error) return <Text color={theme.c('error')}>error: {conflicts.error}</Text>;
    return (
      <Text color={theme.c('muted')}>computing conflicts with git merge-tree (nothing is touched)…</Text>
    );
  }
  const { matrix, into } = conflicts.data;
  const selected = tasks[at];
  const details = selected ? conflictLines(matrix, selected.id, into) : [];
  const matrixRows = Math.max(1, Math.min(tasks.length, api.bodyHeight - 4 - Math.min(details.length, 4)));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" color={theme.c('accent')}>
        conflicts between open task branches and {into} (git merge-tree; no worktree is touched)
      </Text>
      <Matrix
        matrix={matrix}
        into={into}
        selected={selected?.id}
        width={api.size.columns}
        rows={matrixRows}
      />
      {selected && (
        <Text wrap="truncate" bold>
          task {selected.id}:
        </Text>
      )}
      {details.slice(0, Math.max(1, api.bodyHeight - matrixRows - 4)).map((l, i) => (
        <Text key={i} wrap="truncate">
          {'  '}
          {l}
        </Text>
      ))}
    </Box>
  );
}
