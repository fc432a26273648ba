/** @jsxRuntime automatic @jsxImportSource react */
import { useState } from 'react';
import { Box, Text } from 'ink';
import type { MergeMode } from '../../../git/merge.js';
import { mergeTask } from '../../../tasks/merge.js';
import { useReview } from '../context.js';
import { useConflicts } from '../data/conflicts.js';
import { shortSha } from '../format.js';
import { useTheme } from '../theme.js';
import { useKeys } from '../use-keys.js';
import { conflictLines, Matrix } from '../components/matrix.js';

const MODES: MergeMode[] = ['squash', 'merge', 'rebase'];
const EXPLAIN: Record<MergeMode, string> = {
  squash: 'one commit that sums up the task; the steps stay on the task branch',
  merge: 'a merge commit that keeps every step commit',
  rebase: 'replays the step commits on top of the current branch',
};

/**
 * The merge, with the conflicts first: the user sees what the task conflicts with before
 * choosing a mode. Enter merges; the core computes the result with merge-tree, so a conflict
 * changes nothing and comes back as an error in place.
 */
export function MergeScreen({ id, active }: { id: number; active: boolean }) {
  const api = useReview();
  const theme = useTheme();
  const conflicts = useConflicts(api.deps.repo, api.ticks.tasks);
  const [mode, setMode] = useState<MergeMode>('squash');

  useKeys(
    'merge',
    active,
    (action) => {
      const i = MODES.indexOf(mode);
      if (action === 'squash') setMode('squash');
      else if (action === 'mergeCommit') setMode('merge');
      else if (action === 'rebase') setMode('rebase');
      else if (action === 'nextMode') setMode(MODES[(i + 1) % MODES.length]!);
      else if (action === 'prevMode') setMode(MODES[(i + MODES.length - 1) % MODES.length]!);
      else if (action === 'doMerge')
        api.act(
          `merging task ${id} (${mode})…`,
          async () => {
            const r = await mergeTask(api.deps.repo, api.deps.worktree, id, mode);
            const into = r.into.replace(/^refs\/heads\//, '');
            return `merged task ${id} into ${into} as ${shortSha(r.commit)} (${mode}, ${r.files.length} file(s))`;
          },
          () => api.pop(),
        );
    },
    (text) => api.say({ tone: 'error', text }),
  );

  const data = conflicts.data;
  const into = data?.into ?? 'the current branch';
  const lines = data ? conflictLines(data.matrix, id, into) : [];
  const matrixRows = Math.max(1, Math.min(data?.matrix.tasks.length ?? 0, api.bodyHeight - 8 - lines.length));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" bold>
        Merge task {id} into {into}
      </Text>
      <Text wrap="truncate">
        mode:{' '}
        {MODES.map((m) => (
          <Text key={m} bold={m === mode} inverse={m === mode && theme.color}>
            {m === mode ? `[${m}]` : ` ${m} `}{' '}
          </Text>
        ))}
        <Text color={theme.c('muted')}> {EXPLAIN[mode]}</Text>
      </Text>
      <Text> </Text>
      {!data && !conflicts.error && (
        <Text color={theme.c('muted')}>computing conflicts with git merge-tree (nothing is touched)…</Text>
      )}
      {conflicts.error && (
        <Text color={theme.c('error')}>error: cannot compute the conflicts: {conflicts.error}</Text>
      )}
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate" color={/CONFLICT/.test(l) ? theme.c('error') : theme.c('ok')}>
          {l}
        </Text>
      ))}
      {data && data.matrix.tasks.length > 1 && (
        <Box flexDirection="column" marginTop={1}>
          <Matrix matrix={data.matrix} into={into} selected={id} width={api.size.columns} rows={matrixRows} />
        </Box>
      )}
    </Box>
  );
}
