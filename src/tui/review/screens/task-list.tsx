/** @jsxRuntime automatic @jsxImportSource react */
import { useState } from 'react';
import { Box, Text } from 'ink';
import type { TaskSummary } from '../../../tasks/summary.js';
import { useReview } from '../context.js';
import { useTasks } from '../data/tasks.js';
import { age, clean, fit, statusLabel } from '../format.js';
import { useTheme } from '../theme.js';
import { useKeys } from '../use-keys.js';
import { follow } from '../components/scroll.js';
import { taskAction } from '../task-actions.js';

/** Column widths; the branch and the title share what is left. */
const COLS = { mark: 2, id: 4, status: 17, attempts: 3, lines: 11, age: 4 };
const FIXED = COLS.mark + COLS.id + COLS.status + COLS.attempts + COLS.lines + COLS.age + 6;

function widths(columns: number, rows: TaskSummary[]) {
  const rest = Math.max(10, columns - FIXED);
  const longest = Math.max(6, ...rows.map((r) => r.branch.length));
  const branch = Math.min(longest, Math.max(8, Math.floor(rest * 0.5)));
  return { branch, title: Math.max(4, rest - branch - 1) };
}

const lineCounts = (r: TaskSummary) => `+${r.added} -${r.removed}`;

/** The first screen: one row per task, live. */
export function TaskList({ active }: { active: boolean }) {
  const api = useReview();
  const theme = useTheme();
  const [all, setAll] = useState(Boolean(api.deps.all));
  const tasks = useTasks(api.deps.repo, all, api.ticks.tasks);
  const rows = tasks.data ?? [];
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [top, setTop] = useState(0);
  const height = Math.max(1, api.bodyHeight - 2);

  const found = rows.findIndex((r) => r.id === selectedId);
  const index = found >= 0 ? found : Math.min(rows.length - 1, 0);
  const selected = rows[index];
  const visibleTop = follow(top, Math.max(0, index), height, rows.length);

  const moveTo = (i: number) => {
    const next = Math.max(0, Math.min(rows.length - 1, i));
    const row = rows[next];
    if (!row) return;
    setSelectedId(row.id);
    setTop(follow(visibleTop, next, height, rows.length));
  };

  useKeys(
    'list',
    active,
    (action) => {
      if (action === 'showAll') {
        setAll((a) => !a);
        api.say({ tone: 'info', text: all ? 'hiding discarded tasks' : 'showing discarded tasks too' });
        return;
      }
      if (action === 'conflicts') return api.push({ kind: 'conflicts' });
      if (action === 'up') return moveTo(index - 1);
      if (action === 'down') return moveTo(index + 1);
      if (action === 'pageUp') return moveTo(index - height);
      if (action === 'pageDown') return moveTo(index + height);
      if (action === 'top') return moveTo(0);
      if (action === 'bottom') return moveTo(rows.length - 1);
      if (!selected) {
        api.say({ tone: 'error', text: 'no task selected' });
        return;
      }
      if (action === 'open') return api.push({ kind: 'detail', id: selected.id });
      if (action === 'diff')
        return api.push({ kind: 'diff', id: selected.id, scopes: [{ task: selected.id }], scope: 0 });
      taskAction(api, action, selected);
    },
    (text) => api.say({ tone: 'error', text }),
  );

  if (tasks.error && !tasks.data)
    return <Text color={theme.c('error')}>error: cannot read the tasks: {tasks.error}</Text>;
  if (tasks.loading && !tasks.data) return <Text color={theme.c('muted')}>reading the tasks…</Text>;
  if (rows.length === 0)
    return (
      <Box flexDirection="column">
        <Text>No tasks in this repository{all ? '' : ' (discarded tasks hidden: a shows them)'}.</Text>
        <Text color={theme.c('muted')}>
          Start one with: factory task &quot;Fix the off-by-one in pagination&quot;
        </Text>
      </Box>
    );

  const w = widths(api.size.columns, rows);
  const now = api.deps.now?.() ?? Date.now();
  const running = rows.filter((r) => r.status === 'running').length;
  const head =
    '  ' +
    [
      'ID'.padStart(COLS.id),
      fit('STATUS', COLS.status),
      fit('ATT', COLS.attempts),
      fit('+/-', COLS.lines),
      fit('AGE', COLS.age),
      fit('BRANCH', w.branch),
      'TITLE',
    ].join(' ');
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" color={theme.c('muted')}>
        {head}
      </Text>
      {rows.slice(visibleTop, visibleTop + height).map((r) => {
        const isSel = r.id === selected?.id;
        return (
          <Text key={r.id} wrap="truncate" bold={isSel} inverse={isSel && theme.color}>
            {isSel ? '› ' : '  '}
            {String(r.id).padStart(COLS.id)}{' '}
            <Text color={theme.status(r.status)}>{fit(statusLabel(r.status, r.detail), COLS.status)}</Text>{' '}
            {fit(String(r.attempts), COLS.attempts)} {fit(lineCounts(r), COLS.lines)}{' '}
            {fit(age(r.createdAt, now), COLS.age)} {fit(r.branch, w.branch)}{' '}
            {fit(
              r.rolledBackFrom ? `rolled back from ${r.rolledBackFrom} · ${clean(r.title)}` : clean(r.title),
              w.title,
            )}
          </Text>
        );
      })}
      <Text wrap="truncate" color={theme.c('muted')}>
        {rows.length} task{rows.length === 1 ? '' : 's'}
        {running ? `, ${running} running` : ''}
        {all ? ' (discarded shown)' : ''}
        {tasks.error ? ` · error: ${tasks.error}` : ''}
      </Text>
    </Box>
  );
}
