/** @jsxRuntime automatic @jsxImportSource react */
import { Box, Text } from 'ink';
import type { Dialog, Status } from '../context.js';
import { hintsFor, type KeyContext } from '../keys.js';
import { useTheme } from '../theme.js';
import { visible } from '../../../visible.js';
import { ConfirmDialog, InputDialog } from './dialogs.js';

const TONE_WORD: Record<Status['tone'], string> = {
  info: '',
  ok: 'done: ',
  error: 'error: ',
  busy: 'working: ',
};

/** Two lines: the last result (or the open question), then the keys of this screen. */
export function Footer(props: {
  ctx: KeyContext;
  status: Status | null;
  dialog: Dialog | null;
  onAnswer: (text: string | null) => void;
  width: number;
}) {
  const theme = useTheme();
  const { status, dialog } = props;
  if (dialog?.kind === 'confirm')
    return <ConfirmDialog dialog={dialog} onAnswer={props.onAnswer} width={props.width} />;
  if (dialog?.kind === 'input') return <InputDialog dialog={dialog} onAnswer={props.onAnswer} />;
  const tone =
    status?.tone === 'error'
      ? theme.c('error')
      : status?.tone === 'ok'
        ? theme.c('ok')
        : status?.tone === 'busy'
          ? theme.c('warn')
          : undefined;
  // Errors can quote a check, a model or a file name: shown, never obeyed.
  const text = status ? `${TONE_WORD[status.tone]}${visible(status.text)}` : ' ';
  // An error is worth both lines: its hint is what the user needs next, the keys are under `?`.
  const long = status?.tone === 'error' && text.length > props.width;
  return (
    <Box flexDirection="column" height={2} overflow="hidden">
      <Text wrap={long ? 'wrap' : 'truncate'} color={tone}>
        {text}
      </Text>
      {!long && <Hints ctx={props.ctx} width={props.width} />}
    </Box>
  );
}

/**
 * The hints that fit in `width`, in table order. `? help` always stays (it lists every key), then
 * `q quit`; the others go from the least important: back first, then the screen's own from the
 * last one in the table.
 */
export function fitHints(ctx: KeyContext, width: number): string {
  const all = hintsFor(ctx).map((h, i) => ({ text: `${h.keys} ${h.label}`, keys: h.keys, i }));
  const rank = (h: (typeof all)[number]) =>
    h.keys === '?' ? Infinity : h.keys === 'q' ? 1000 : h.keys === 'esc' ? 0 : 100 - h.i;
  const kept = [...all];
  const join = () => kept.map((h) => h.text).join('  ');
  while ([...join()].length > width && kept.length > 1) {
    const drop = kept.reduce((low, h) => (rank(h) < rank(low) ? h : low));
    if (rank(drop) === Infinity) break;
    kept.splice(kept.indexOf(drop), 1);
  }
  return join();
}

export function Hints({ ctx, width }: { ctx: KeyContext; width: number }) {
  const theme = useTheme();
  return (
    <Text wrap="truncate" color={theme.c('muted')}>
      {fitHints(ctx, width)}
    </Text>
  );
}
