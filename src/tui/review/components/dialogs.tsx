/** @jsxRuntime automatic @jsxImportSource react */
import { useState } from 'react';
import { Box, Text } from 'ink';
import type { Dialog } from '../context.js';
import { resolveKey } from '../keys.js';
import { useLatestInput } from '../use-keys.js';
import { useTheme } from '../theme.js';
import { Hints } from './footer.js';
import { wrapText } from '../format.js';
import { visible } from '../../../visible.js';

type Confirm = Extract<Dialog, { kind: 'confirm' }>;
type Input = Extract<Dialog, { kind: 'input' }>;

/** A yes/no question for anything that destroys or moves work. */
export function ConfirmDialog({
  dialog,
  onAnswer,
  width,
}: {
  dialog: Confirm;
  onAnswer: (a: string | null) => void;
  width: number;
}) {
  const theme = useTheme();
  useLatestInput((input, key) => {
    const a = resolveKey('confirm', input, key);
    if (a === 'yes') onAnswer('yes');
    else if (a === 'no') onAnswer(null);
  });
  return (
    <Box flexDirection="column">
      {/* Wrapped in full: the user must read what is about to happen (the footer grows for it). */}
      {confirmLines(dialog.question, width).map((l, i) => (
        <Text key={i} wrap="truncate" color={theme.c('warn')} bold>
          {l}
        </Text>
      ))}
      <Hints ctx="confirm" width={width} />
    </Box>
  );
}

export const confirmLines = (question: string, width: number) => wrapText(visible(question), width);

// Pasted text arrives in one piece; newlines would end the line the user sees.
// eslint-disable-next-line no-control-regex
const printable = (s: string) => s.replace(/[\r\n\t]+/g, ' ').replace(/[\x00-\x1f\x7f]/g, '');

/** One line of text, e.g. feedback for the Coder. */
export function InputDialog({ dialog, onAnswer }: { dialog: Input; onAnswer: (a: string | null) => void }) {
  const theme = useTheme();
  const [text, setText] = useState('');
  useLatestInput(
    (input, key) => {
      const a = resolveKey('input', input, key);
      if (a === 'submit') onAnswer(text);
      else if (a === 'no') onAnswer(null);
      else if (a === 'erase') setText((t) => [...t].slice(0, -1).join(''));
      else if (!key.ctrl && !key.meta && input) {
        // Characters that came together (typing fast, a paste) arrive whole: only an Enter at
        // their end sends, so a pasted line break never sends half a text and types the rest
        // as keys on the screen below.
        const send = input.length > 1 && input.endsWith('\r');
        const typed = text + printable(send ? input.slice(0, -1) : input);
        if (send) onAnswer(typed);
        else setText(typed);
      }
    },
    true,
    { text: true },
  );
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" color={theme.c('accent')}>
        {dialog.prompt}
      </Text>
      <Text wrap="truncate-start">
        {'> '}
        {text}
        <Text inverse> </Text>
      </Text>
    </Box>
  );
}
