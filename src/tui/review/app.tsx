/** @jsxRuntime automatic @jsxImportSource react */
// (The pragma keeps JSX working under tsx started outside this project, where no tsconfig says react-jsx.)
import { useCallback, useMemo, useState } from 'react';
import { Box, useApp } from 'ink';
import type { ReviewDeps } from './deps.js';
import { ReviewContext, type Dialog, type ReviewApi, type Screen, type Status } from './context.js';
import { useTaskWatch } from './data/watch.js';
import { describeError } from './format.js';
import type { Action, KeyContext } from './keys.js';
import { useTerminalSize } from './size.js';
import { makeTheme, ThemeContext } from './theme.js';
import { useKeys } from './use-keys.js';
import { KeyRoot } from './components/key-root.js';
import { ErrorBoundary } from './components/error-boundary.js';
import { Footer } from './components/footer.js';
import { confirmLines } from './components/dialogs.js';
import { Header } from './components/header.js';
import { TaskList } from './screens/task-list.js';
import { TaskDetail } from './screens/task-detail.js';
import { DiffScreen } from './screens/diff-view.js';
import { TranscriptScreen } from './screens/transcript.js';
import { ConflictsScreen } from './screens/conflicts.js';
import { MergeScreen } from './screens/merge.js';
import { HelpScreen } from './screens/help.js';

/**
 * The footer's lines: two (the status and the keys), or a whole confirmation question and its
 * keys. With the header and one spare line, the frame is always shorter than the terminal.
 */
function footerLines(dialog: Dialog | null, columns: number): number {
  return dialog?.kind === 'confirm' ? Math.max(2, confirmLines(dialog.question, columns).length + 1) : 2;
}

function title(s: Screen): string {
  switch (s.kind) {
    case 'list':
      return 'tasks';
    case 'detail':
      return `task ${s.id}`;
    case 'diff':
      return `task ${s.id} · diff`;
    case 'transcript':
      return `task ${s.id} · transcript`;
    case 'conflicts':
      return 'conflicts';
    case 'merge':
      return `task ${s.id} · merge`;
    case 'help':
      return 'keys';
  }
}

function ScreenView({ screen, active }: { screen: Screen; active: boolean }) {
  switch (screen.kind) {
    case 'list':
      return <TaskList active={active} />;
    case 'detail':
      return <TaskDetail id={screen.id} active={active} />;
    case 'diff':
      return <DiffScreen id={screen.id} scopes={screen.scopes} scope={screen.scope} active={active} />;
    case 'transcript':
      return <TranscriptScreen id={screen.id} active={active} />;
    case 'conflicts':
      return <ConflictsScreen active={active} />;
    case 'merge':
      return <MergeScreen id={screen.id} active={active} />;
    case 'help':
      return <HelpScreen active={active} />;
  }
}

/** q, ? and esc, on every screen while no question is open. */
function GlobalKeys(props: {
  active: boolean;
  handle: (action: Action) => void;
  onError: (text: string) => void;
}) {
  useKeys('global', props.active, props.handle, props.onError);
  return null;
}

/**
 * The review TUI. Screens form a stack; all of them stay mounted (the ones below are hidden), so
 * going back finds the selection and scroll position where they were.
 */
export function ReviewApp({ deps }: { deps: ReviewDeps }) {
  const { exit } = useApp();
  const size = useTerminalSize();
  const watched = useTaskWatch(deps.repo);
  const [refresh, setRefresh] = useState(0);
  const [stack, setStack] = useState<Screen[]>([{ kind: 'list' }]);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const theme = useMemo(() => makeTheme(deps.color), [deps.color]);

  const act = useCallback((busy: string, fn: () => Promise<string>, after?: () => void) => {
    setStatus({ tone: 'busy', text: busy });
    // Every action's failure lands in the status line: nothing here may reject unhandled.
    Promise.resolve()
      .then(fn)
      .then(
        (text) => {
          setStatus({ tone: 'ok', text });
          after?.();
        },
        (e: unknown) => setStatus({ tone: 'error', text: describeError(e) }),
      )
      .finally(() => setRefresh((r) => r + 1));
  }, []);

  const ticks = useMemo(
    () => ({ tasks: watched.tasks + refresh, stream: watched.stream }),
    [watched.tasks, watched.stream, refresh],
  );
  const api: ReviewApi = useMemo(
    () => ({
      deps,
      ticks,
      size,
      bodyHeight: Math.max(3, size.rows - 2 - footerLines(dialog, size.columns)),
      push: (s) => setStack((st) => [...st, s]),
      pop: () => setStack((st) => (st.length > 1 ? st.slice(0, -1) : st)),
      ask: (d) => setDialog(d),
      act,
      say: (s) => setStatus(s),
    }),
    [deps, ticks, size, act, dialog],
  );

  const top = stack[stack.length - 1]!;
  const globalKey = (action: Action) => {
    if (action === 'quit') exit();
    else if (action === 'help') {
      if (top.kind !== 'help') api.push({ kind: 'help' });
    } else if (action === 'back') {
      if (stack.length > 1) api.pop();
      else setStatus({ tone: 'info', text: 'this is the first screen: q quits' });
    }
  };
  const reportError = (text: string) => setStatus({ tone: 'error', text });

  const answer = (text: string | null) => {
    const d = dialog;
    setDialog(null);
    if (!d) return;
    if (text === null) setStatus({ tone: 'info', text: 'left as it was' });
    else if (d.kind === 'confirm') act(d.busy, d.run);
    else act(d.busy, () => d.run(text));
  };

  const ctx: KeyContext = dialog ? (dialog.kind === 'confirm' ? 'confirm' : 'input') : top.kind;
  return (
    <ThemeContext.Provider value={theme}>
      <ReviewContext.Provider value={api}>
        <KeyRoot onError={(e) => reportError(describeError(e))}>
          <GlobalKeys active={dialog === null} handle={globalKey} onError={reportError} />
          <Box flexDirection="column" width={size.columns}>
            <Header title={title(top)} />
            <Box flexDirection="column" height={api.bodyHeight} overflow="hidden">
              {stack.map((s, i) => {
                const isTop = i === stack.length - 1;
                return (
                  <Box key={`${i}:${s.kind}`} display={isTop ? 'flex' : 'none'} flexDirection="column">
                    <ErrorBoundary advice="esc goes back, q quits.">
                      <ScreenView screen={s} active={isTop && dialog === null} />
                    </ErrorBoundary>
                  </Box>
                );
              })}
            </Box>
            <Footer ctx={ctx} status={status} dialog={dialog} onAnswer={answer} width={size.columns} />
          </Box>
        </KeyRoot>
      </ReviewContext.Provider>
    </ThemeContext.Provider>
  );
}
