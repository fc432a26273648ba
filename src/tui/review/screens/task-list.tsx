/** @jsxRuntime automatic @jsxImportSource react */
import { useState } from 'react';
import { Box, Text } from 'ink';
import type { TaskSummary } from '../../../tasks/summary.js';
import { useReview } from '../context.js';
import { useTasks } from '../data/tasks.js';
import { useOverlaps } from '../data/overlaps.js';
import { OverlapMark } from '../components/overlap-mark.js';
import { age, clean, fit, statusLabel } from '../format.js';
import { useTheme } from '../theme.js';
import { useKeys } from '../use-keys.js';
import { follow } from '../components/scroll.js';
import { taskAction } from '../task-actions.js';

const lineCounts = (r: TaskSummary) => `+${r.added} -${r.removed}`;
const longest = (texts: string[], min: number, max = Infinity) =>
  Math.min(max, Math.max(min, ...texts.map((t) => [...t].length)));

/**
 * Column widths. STATUS and +/- are as wide as their longest value (a long status is cut rather
 * than taking the title's room); the title comes first for what is left, the branch (which
 * repeats the title's words) gets the rest, at least 10.
 */
export function listWidths(columns: number, rows: TaskSummary[]) {
  const fixed = {
    mark: 2,
    id: 4,
    status: longest(
      rows.map((r) => statusLabel(r.status, r.detail)),
      'STATUS'.length,
      20,
    ),
    attempts: 3,
    lines: longest(rows.map(lineCounts), '+/-'.length),
    age: 4,
  };
  const used = Object.values(fixed).reduce((a, b) => a + b, 0) + 6;
  const rest = Math.max(14, columns - used);
  const wantBranch = longest(
    rows.map((r) => r.branch),
    6,
  );
  const wantTitle = longest(
    rows.map((r) => clean(r.title)),
    5,
  );
  const branch = Math.min(wantBranch, Math.max(10, rest - 1 - wantTitle, Math.floor(rest * 0.3)));
  return { ...fixed, branch, title: Math.max(4, rest - branch - 1) };
}

/** The first screen: one row per task, live. */
export function TaskList({ active }: { active: boolean }) {
  const api = useReview();
  const theme = useTheme();
  const [all, setAll] = useState(Boolean(api.deps.all));
  const tasks = useTasks(
    api.deps.repo,
    all,
    api.ticks.tasks,
    all === Boolean(api.deps.all) ? api.deps.initialTasks : undefined,
  );
  const rows = tasks.data ?? [];
  const overlaps = useOverlaps(api.deps.repo, rows, api.ticks.tasks);
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

  const w = listWidths(api.size.columns, rows);
  const now = api.deps.now?.() ?? Date.now();
  const running = rows.filter((r) => r.status === 'running').length;
  const head =
    '  ' +
    [
      'ID'.padStart(w.id),
      fit('STATUS', w.status),
      fit('ATT', w.attempts),
      fit('+/-', w.lines),
      fit('AGE', w.age),
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
            {String(r.id).padStart(w.id)}{' '}
            <Text color={theme.status(r.status)}>{fit(statusLabel(r.status, r.detail), w.status)}</Text>{' '}
            {fit(String(r.attempts), w.attempts)} {fit(lineCounts(r), w.lines)}{' '}
            {fit(age(r.createdAt, now), w.age)} {fit(r.branch, w.branch)}{' '}
            <OverlapMark overlap={overlaps.get(r.id)} />
            {fit(
              // A plan's children sit under their parent (the list comes in tree order).
              (r.parent !== undefined ? '└ ' : '') +
                (r.rolledBackFrom
                  ? `rolled back from ${r.rolledBackFrom} · ${clean(r.title)}`
                  : clean(r.title)),
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
