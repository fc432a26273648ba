/** @jsxRuntime automatic @jsxImportSource react */
import { Box, Text } from 'ink';
import type { Dialog, Status } from '../context.js';
import { hintsFor, type KeyContext } from '../keys.js';
import { useTheme } from '../theme.js';
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
  if (dialog?.kind === 'confirm') return <ConfirmDialog dialog={dialog} onAnswer={props.onAnswer} />;
  if (dialog?.kind === 'input') return <InputDialog dialog={dialog} onAnswer={props.onAnswer} />;
  const tone =
    status?.tone === 'error'
      ? theme.c('error')
      : status?.tone === 'ok'
        ? theme.c('ok')
        : status?.tone === 'busy'
          ? theme.c('warn')
          : undefined;
  const text = status ? `${TONE_WORD[status.tone]}${status.text}` : ' ';
  // An error is worth both lines: its hint is what the user needs next, the keys are under `?`.
  const long = status?.tone === 'error' && text.length > props.width;
  return (
    <Box flexDirection="column" height={2} overflow="hidden">
      <Text wrap={long ? 'wrap' : 'truncate'} color={tone}>
        {text}
      </Text>
      {!long && <Hints ctx={props.ctx} />}
    </Box>
  );
}

export function Hints({ ctx }: { ctx: KeyContext }) {
  const theme = useTheme();
  return (
    <Text wrap="truncate" color={theme.c('muted')}>
      {hintsFor(ctx)
        .map((h) => `${h.keys} ${h.label}`)
        .join('  ')}
    </Text>
  );
}
