/** @jsxRuntime automatic @jsxImportSource react */
import { memo, useState } from 'react';
import { Box, Text } from 'ink';
import { formatAddress, type Address } from '../../../tasks/address.js';
import { useReview } from '../context.js';
import { useDiff } from '../data/diff.js';
import { jump, type DiffLine } from '../diff-lines.js';
import { fit } from '../format.js';
import { useTheme, type Theme } from '../theme.js';
import { useKeys } from '../use-keys.js';
import { scrolled, scrollTo } from '../components/scroll.js';

const NUM = 5;
const blank = ' '.repeat(NUM);

function scopeTitle(a: Address): string {
  if (a.step !== undefined) return `diff of step ${formatAddress(a)}`;
  if (a.attempt !== undefined) return `diff of attempt ${formatAddress(a)}`;
  return `diff of task ${a.task} against its base`;
}

const num = (n: number | undefined) => (n === undefined ? blank : String(n).padStart(NUM));

/** One display line. Memoised: scrolling re-renders only the rows that changed place. */
const Line = memo(function Line(props: { line: DiffLine; width: number; pathWidth: number; theme: Theme }) {
  const { line, width, theme } = props;
  switch (line.kind) {
    case 'summary':
      return (
        <Text wrap="truncate" bold>
          {line.text}
        </Text>
      );
    case 'file-entry': {
      const counts =
        line.added === null || line.removed === null ? 'binary' : `+${line.added} -${line.removed}`;
      return (
        <Text wrap="truncate">
          {'  '}
          {fit(line.text, Math.min(props.pathWidth, Math.max(8, width - 16)))}{' '}
          <Text color={theme.c('added')}>{counts}</Text>
        </Text>
      );
    }
    case 'file':
      return (
        <Text wrap="truncate" bold color={theme.c('file')}>
          {`━━ ${line.text} ${'━'.repeat(Math.max(0, width - line.text.length - 4))}`}
        </Text>
      );
    case 'hunk':
      return (
        <Text wrap="truncate" color={theme.c('hunk')}>
          {blank} {blank} │{line.text}
        </Text>
      );
    case 'add':
    case 'del':
    case 'ctx': {
      const sign = line.kind === 'add' ? '+' : line.kind === 'del' ? '-' : ' ';
      const tone =
        line.kind === 'add' ? theme.c('added') : line.kind === 'del' ? theme.c('removed') : undefined;
      return (
        <Text wrap="truncate">
          <Text color={theme.c('muted')}>
            {num(line.old)} {num(line.new)} │
          </Text>
          <Text color={tone}>
            {sign}
            {line.text}
          </Text>
        </Text>
      );
    }
    case 'blank':
      return <Text> </Text>;
    default:
      return (
        <Text wrap="truncate" color={theme.c('muted')}>
          {line.text}
        </Text>
      );
  }
});

/**
 * A diff: the files with their counts, then every hunk with old and new line numbers. The lines
 * are built once; each frame renders only the slice that fits, so a huge diff scrolls as fast
 * as a small one and the frame never grows past the terminal.
 */
export function DiffScreen(props: { id: number; scopes: Address[]; scope: number; active: boolean }) {
  const api = useReview();
  const theme = useTheme();
  const [scope, setScope] = useState(props.scope);
  const addr = props.scopes[scope] ?? { task: props.id };
  const { built, error, loading } = useDiff(api.deps.repo, addr);
  const [top, setTop] = useState(0);
  const height = Math.max(1, api.bodyHeight - 1);
  const total = built?.lines.length ?? 0;
  const at = scrollTo(top, total, height);

  useKeys(
    'diff',
    props.active,
    (action) => {
      const move = (n: number) => setTop(scrollTo(n, total, height));
      const to = scrolled(action, at, height);
      if (to !== null) return move(to);
      switch (action) {
        case 'bottom':
          return move(total);
        case 'nextFile':
          return built && move(jump(built.fileStarts, at, 1));
        case 'prevFile':
          return built && move(jump(built.fileStarts, at, -1));
        case 'nextHunk':
          return built && move(jump(built.hunkStarts, at, 1));
        case 'prevHunk':
          return built && move(jump(built.hunkStarts, at, -1));
        case 'scope':
          if (props.scopes.length < 2)
            return api.say({
              tone: 'info',
              text: 'open the diff from the task detail to pick an attempt or a step',
            });
          setScope((s) => (s + 1) % props.scopes.length);
          return setTop(0);
      }
    },
    (text) => api.say({ tone: 'error', text }),
  );

  const fileIndex = built ? built.fileStarts.filter((s) => s <= at + 1).length : 0;
  const where = built
    ? ` · lines ${Math.min(total, at + 1)}-${Math.min(total, at + height)} of ${total}` +
      (built.fileStarts.length ? ` · file ${Math.max(1, fileIndex)}/${built.fileStarts.length}` : '')
    : '';
  const scopeNote = props.scopes.length > 1 ? ` · scope ${scope + 1}/${props.scopes.length}` : '';
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" color={theme.c('accent')}>
        {scopeTitle(addr)}
        {scopeNote}
        {where}
      </Text>
      {error && (
        <Text wrap="wrap" color={theme.c('error')}>
          error: {error}
        </Text>
      )}
      {!error && loading && <Text color={theme.c('muted')}>reading the diff…</Text>}
      {built?.lines.slice(at, at + height).map((line, i) => (
        <Line key={at + i} line={line} width={api.size.columns} pathWidth={built.pathWidth} theme={theme} />
      ))}
    </Box>
  );
}
