/** @jsxRuntime automatic @jsxImportSource react */
import { useState } from 'react';
import { Box, Text } from 'ink';
import { useReview } from '../context.js';
import { helpSections } from '../keys.js';
import { fit } from '../format.js';
import { useTheme } from '../theme.js';
import { useKeys } from '../use-keys.js';
import { scrollTo } from '../components/scroll.js';

const LINES = helpSections().flatMap((s) => [
  { title: true, text: s.title },
  ...s.rows.map((r) => ({ title: false, text: `  ${fit(r.keys, 14)} ${r.help}` })),
]);

/** Every key, straight from the key table. */
export function HelpScreen({ active }: { active: boolean }) {
  const api = useReview();
  const theme = useTheme();
  const [top, setTop] = useState(0);
  const height = Math.max(1, api.bodyHeight);
  const at = scrollTo(top, LINES.length, height);
  useKeys(
    'help',
    active,
    (action) => {
      const move = (n: number) => setTop(scrollTo(n, LINES.length, height));
      if (action === 'up') move(at - 1);
      else if (action === 'down') move(at + 1);
      else if (action === 'pageUp') move(at - height + 1);
      else if (action === 'pageDown') move(at + height - 1);
      else if (action === 'top') move(0);
      else if (action === 'bottom') move(LINES.length);
    },
    (text) => api.say({ tone: 'error', text }),
  );
  return (
    <Box flexDirection="column">
      {LINES.slice(at, at + height).map((l, i) => (
        <Text key={at + i} wrap="truncate" bold={l.title} color={l.title ? theme.c('accent') : undefined}>
          {l.text}
        </Text>
      ))}
    </Box>
  );
}
