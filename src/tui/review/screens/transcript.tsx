/** @jsxRuntime automatic @jsxImportSource react */
import { useMemo, useState } from 'react';
import { Box, Text } from 'ink';
import { useReview } from '../context.js';
import { useShortTranscript } from '../data/transcript.js';
import { wrapLine } from '../format.js';
import { useTheme } from '../theme.js';
import { useKeys } from '../use-keys.js';
import { scrolled, scrollTo } from '../components/scroll.js';

/**
 * A task's transcript, one line per reply, step, check and verdict, without the prompts: the same
 * lines as `factory log --short`, from the same core function. It follows the log while the task
 * runs (after G it stays on the last line); long lines wrap, and each frame renders only the
 * rows that fit.
 */
export function TranscriptScreen({ id, active }: { id: number; active: boolean }) {
  const api = useReview();
  const theme = useTheme();
  const { data, error, loading } = useShortTranscript(api.deps.repo, id, api.ticks.tasks);
  const width = api.size.columns;
  // Wrapped, not cut: a reply's line ends with what it said or the tools it called.
  const lines = useMemo(
    () =>
      (data ?? []).flatMap((l) => wrapLine(l, Math.max(8, width - 4)).map((p, i) => (i ? `    ${p}` : p))),
    [data, width],
  );
  const [top, setTop] = useState(0);
  const height = Math.max(1, api.bodyHeight - 1);
  const total = lines.length;
  const at = scrollTo(top, total, height);

  useKeys(
    'transcript',
    active,
    (action) => {
      const to = scrolled(action, at, height);
      if (to !== null) return setTop(scrollTo(to, total, height));
      // Past any end: the view stays on the last line as the log grows.
      if (action === 'bottom') return setTop(Number.MAX_SAFE_INTEGER);
    },
    (text) => api.say({ tone: 'error', text }),
  );

  const where = total > height ? ` · lines ${at + 1}-${Math.min(total, at + height)} of ${total}` : '';
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" color={theme.c('accent')}>
        short transcript of task {id}
        {where}
      </Text>
      {error && (
        <Text wrap="wrap" color={theme.c('error')}>
          error: {error}
        </Text>
      )}
      {!error && loading && !data && <Text color={theme.c('muted')}>reading the transcript…</Text>}
      {data && total === 0 && <Text color={theme.c('muted')}>nothing logged yet</Text>}
      {lines.slice(at, at + height).map((l, i) => (
        <Text key={at + i} wrap="truncate">
          {l}
        </Text>
      ))}
    </Box>
  );
}
