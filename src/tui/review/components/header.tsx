/** @jsxRuntime automatic @jsxImportSource react */
import path from 'node:path';
import { Text } from 'ink';
import { useServer, serverText } from '../data/server.js';
import { useReview } from '../context.js';
import { useTheme } from '../theme.js';

/** One line: which screen, the inference server with its queue, and the repository. */
export function Header({ title }: { title: string }) {
  const { deps } = useReview();
  const theme = useTheme();
  const server = useServer(deps.baseURL, deps.stateDir);
  return (
    <Text wrap="truncate">
      <Text bold>factory · {title}</Text>
      <Text color={theme.c('muted')}> │ </Text>
      <Text color={server?.front ? theme.c('ok') : theme.c('muted')}>{serverText(server)}</Text>
      <Text color={theme.c('muted')}> │ {path.basename(deps.repo.root)}</Text>
    </Text>
  );
}
