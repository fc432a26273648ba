// tsx (the dev loader) takes JSX settings from the tsconfig of the cwd, not this project's;
// the CLI runs from any folder, so the runtime is named here. @jsxRuntime automatic @jsxImportSource react
import { Text, type TextProps } from 'ink';
import { tailLines } from './coder-text.js';
import type { TaskRow } from './rows.js';
import type { Role } from './theme.js';

interface Props {
  row: TaskRow | undefined;
  text: string;
  lines: number;
  columns: number;
  style: (role: Role) => TextProps;
}

/** The tail of the focused task's streamed Coder text, under a title line. */
export function CoderPane({ row, text, lines, columns, style }: Props) {
  if (lines <= 0 || !row) return null;
  const title = `-- task ${row.id}${row.attempt ? `, attempt ${row.attempt}` : ''}: Coder -- up/down: focus  ctrl-c: cancel `;
  const shown = tailLines(text, columns, lines);
  return (
    <>
      <Text wrap="truncate-end" {...style('dim')}>
        {title.padEnd(columns, '-')}
      </Text>
      {shown.length === 0 ? (
        <Text wrap="truncate-end" {...style('dim')}>
          (no Coder text yet)
        </Text>
      ) : (
        // An empty Text takes no line; a space keeps blank lines of the reply.
        shown.map((line, i) => (
          <Text key={i} wrap="truncate-end">
            {line || ' '}
          </Text>
        ))
      )}
    </>
  );
}
