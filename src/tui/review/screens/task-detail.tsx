/** @jsxRuntime automatic @jsxImportSource react */
import { useState } from 'react';
import { Box, Text } from 'ink';
import { useReview } from '../context.js';
import { useCoderText, useTaskDetail } from '../data/detail.js';
import { clean, shortSha, statusLabel } from '../format.js';
import { useTheme } from '../theme.js';
import { useKeys } from '../use-keys.js';
import { clamp, follow } from '../components/scroll.js';
import { askRollback, taskAction } from '../task-actions.js';
import { itemAddress, taskWarnings, timelineItems } from './timeline.js';
import { paneContent, type PaneMode } from './pane.js';
import { markedViewport, visualLines } from './visual-pane.js';
import { visible } from '../../../visible.js';

/** One task: its attempts and steps, and below them the check output or the Coder's live text. */
export function TaskDetail({ id, active }: { id: number; active: boolean }) {
  const api = useReview();
  const theme = useTheme();
  const detail = useTaskDetail(api.deps.repo, id, api.ticks.tasks);
  const d = detail.data;
  const running = d?.status.status === 'running';
  const coderText = useCoderText(api.deps.repo, id, api.ticks.stream + api.ticks.tasks);
  const items = d ? timelineItems(d) : [];

  // null: not chosen yet, so the row where the branch is (or the last one) is selected.
  const [chosen, setChosen] = useState<number | null>(null);
  const [top, setTop] = useState(0);
  const [mode, setMode] = useState<PaneMode | null>(null);
  const [paneTop, setPaneTop] = useState<number | null>(null);
  // Which screenshot of the selected attempt o and i act on (v moves it on).
  const [mark, setMark] = useState(0);

  const tipIndex = items.findIndex((it) => it.tip);
  const index = clamp(
    chosen ?? (tipIndex >= 0 ? tipIndex : items.length - 1),
    0,
    Math.max(0, items.length - 1),
  );
  const item = items[index];
  const paneMode: PaneMode = mode ?? (running ? 'coder' : 'check');

  const warnings = d ? taskWarnings(d) : [];
  const headLines = 2 + (warnings.length ? 1 : 0);
  const rest = Math.max(4, api.bodyHeight - headLines - 1);
  const timelineHeight = Math.max(2, Math.min(items.length || 1, Math.floor(rest * 0.45)));
  const paneHeight = Math.max(1, api.bodyHeight - headLines - timelineHeight - 1);
  const visibleTop = follow(top, index, timelineHeight, items.length);

  const width = api.size.columns;
  const visual = item ? d?.visuals.get(item.attempt.n) : undefined;
  const shot = markedViewport(visual, mark);
  const canShow = Boolean(api.deps.showImage);
  const visualText =
    d && visual && paneMode === 'check' ? visualLines(visual, d.spec, mark, width - 2, canShow) : [];
  const pane = d ? paneContent(d, item?.attempt.n, paneMode, coderText, width - 2, visualText) : null;
  const paneMax = Math.max(0, (pane?.lines.length ?? 0) - paneHeight);
  const paneAt = paneTop === null ? (pane?.followTail ? paneMax : 0) : clamp(paneTop, 0, paneMax);

  const select = (i: number) => {
    const next = clamp(i, 0, Math.max(0, items.length - 1));
    setChosen(next);
    setTop(follow(visibleTop, next, timelineHeight, items.length));
    setPaneTop(null);
    setMark(0);
  };

  /** The marked screenshot, or undefined after saying why there is none to act on. */
  const screenshot = () => {
    const where = item ? `attempt ${item.attempt.address}` : `task ${id}`;
    if (!shot) {
      api.say({
        tone: 'error',
        text: visual
          ? `the visual check of ${where} took no screenshot${visual.error ? ` (${visual.error})` : ''}`
          : `${where} has no visual check (it runs after a passing check, on visual tasks)`,
      });
      return undefined;
    }
    if (!shot.found) {
      api.say({ tone: 'error', text: `the screenshot ${shot.file} is gone (its folder was deleted)` });
      return undefined;
    }
    return shot;
  };

  useKeys(
    'detail',
    active,
    (action) => {
      if (!d) return;
      const ref = {
        id,
        branch: d.view.record.branch,
        status: d.status.status,
        worktree: d.view.record.worktree,
      };
      const scopes = item
        ? [
            { task: id },
            { task: id, attempt: item.attempt.n },
            ...(item.kind === 'step' ? [itemAddress(id, item)] : []),
          ]
        : [{ task: id }];
      switch (action) {
        case 'up':
          return select(index - 1);
        case 'down':
          return select(index + 1);
        case 'top':
          return select(0);
        case 'bottom':
          return select(items.length - 1);
        case 'open':
          if (!item) return api.say({ tone: 'error', text: `task ${id} has no attempts yet` });
          return api.push({ kind: 'diff', id, scopes, scope: scopes.length - 1 });
        case 'diff':
          return api.push({ kind: 'diff', id, scopes, scope: 0 });
        case 'transcript':
          return api.push({ kind: 'transcript', id });
        case 'conflicts':
          return api.push({ kind: 'conflicts' });
        case 'rollback':
          if (!item) return api.say({ tone: 'error', text: `task ${id} has no attempt to roll back to` });
          return askRollback(api, ref, itemAddress(id, item));
        case 'pane':
          setMode(paneMode === 'check' ? 'coder' : 'check');
          return setPaneTop(null);
        case 'paneUp':
          return setPaneTop(Math.max(0, paneAt - Math.max(1, paneHeight - 1)));
        case 'paneDown':
          return setPaneTop(Math.min(paneMax, paneAt + Math.max(1, paneHeight - 1)));
        case 'nextShot': {
          if (!visual?.viewports.length) return screenshot();
          const next = markedViewport(visual, mark + 1)!;
          setMark(mark + 1);
          // The mark is shown in the check pane.
          setMode('check');
          return api.say({ tone: 'info', text: `marked the ${next.name} screenshot: o opens it` });
        }
        case 'openShot': {
          const s = screenshot();
          if (!s) return;
          return api.act(`opening ${s.file}…`, async () => {
            const { openInViewer } = await import('../viewer.js');
            const opened = await openInViewer(s.file);
            // The viewer command may still fail on its own (no program for PNG files): said when it does.
            void opened.outcome.then((problem) => problem && api.say({ tone: 'error', text: problem }));
            return `opened ${s.file} with ${opened.command}`;
          });
        }
        case 'viewShot': {
          const show = api.deps.showImage;
          if (!show)
            return api.say({
              tone: 'error',
              text: 'this terminal draws no images (kitty and iTerm2 do); o opens the screenshot in the image viewer',
            });
          const s = screenshot();
          if (!s) return;
          const caption = visible(
            `factory · any key returns · task ${id} attempt ${item!.attempt.address} · ${s.name} ${s.width}x${s.height} · ${s.file}`,
          );
          return api.act(`showing ${s.file}…`, async () => {
            await show(s.file, caption, { width: s.width, height: s.height });
            return `back from the ${s.name} screenshot of attempt ${item!.attempt.address}`;
          });
        }
        default:
          taskAction(api, action, ref);
      }
    },
    (text) => api.say({ tone: 'error', text }),
  );

  if (!d) {
    if (detail.error)
      return (
        <Text color={theme.c('error')}>
          error: cannot read task {id}: {detail.error}
        </Text>
      );
    return <Text color={theme.c('muted')}>reading task {id}…</Text>;
  }
  const r = d.view.record;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" bold>
        task {r.id} · {clean(r.title)}
      </Text>
      <Text wrap="truncate">
        <Text color={theme.status(d.status.status)}>
          {statusLabel(d.status.status, d.status.detail, d.status.rolledBackFrom)}
        </Text>
        {' · '}
        {r.branch} {d.view.tip ? `at ${shortSha(d.view.tip)}` : '(deleted)'} · base {r.baseName} (
        {shortSha(r.base)}){detail.error ? ` · error: ${detail.error}` : ''}
      </Text>
      {warnings.length > 0 && (
        <Text wrap="truncate" color={theme.c('warn')}>
          warning: {warnings.join('; ')}
        </Text>
      )}
      <Box flexDirection="column" height={timelineHeight}>
        {items.length === 0 && <Text color={theme.c('muted')}>no attempts yet</Text>}
        {items.slice(visibleTop, visibleTop + timelineHeight).map((it, i) => {
          const at = visibleTop + i;
          const isSel = at === index;
          const tone =
            it.kind === 'step'
              ? theme.c('muted')
              : it.attempt.outcome === 'passed'
                ? theme.c('ok')
                : it.attempt.outcome
                  ? theme.c('error')
                  : undefined;
          return (
            <Text
              key={`${it.kind}:${it.kind === 'step' ? it.step.address : it.attempt.address}`}
              wrap="truncate"
              bold={isSel}
              inverse={isSel && theme.color}
            >
              {isSel ? '› ' : '  '}
              {it.kind === 'step' ? '    ' : ''}
              <Text color={isSel ? undefined : tone}>{it.text}</Text>
            </Text>
          );
        })}
      </Box>
      <Text wrap="truncate" color={theme.c('accent')}>
        ── {pane?.title}
        {pane && pane.lines.length > paneHeight
          ? ` · lines ${paneAt + 1}-${Math.min(pane.lines.length, paneAt + paneHeight)} of ${pane.lines.length}`
          : ''}{' '}
        ──
      </Text>
      {(pane?.lines ?? []).slice(paneAt, paneAt + paneHeight).map((l, i) => (
        <Text key={i} wrap="truncate">
          {l || ' '}
        </Text>
      ))}
    </Box>
  );
}
