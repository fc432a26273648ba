/** @jsxRuntime automatic @jsxImportSource react */
import { Component, type ReactNode } from 'react';
import { Box, Text } from 'ink';
import { describeError } from '../format.js';
import { ThemeContext, type Theme } from '../theme.js';

interface Props {
  children: ReactNode;
  /** What the user can do about it, shown under the message. */
  advice: string;
}

/**
 * A screen that fails while rendering shows its error in place of itself; the header, the
 * footer and the keys keep working, so esc still goes back. Never a stack trace.
 */
export class ErrorBoundary extends Component<Props, { error: unknown }> {
  static override contextType = ThemeContext;
  declare context: Theme;
  override state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override render() {
    if (this.state.error === null) return this.props.children;
    return (
      <Box flexDirection="column">
        <Text color={this.context.c('error')} wrap="wrap">
          error: this screen failed: {describeError(this.state.error)}
        </Text>
        <Text wrap="wrap">{this.props.advice}</Text>
      </Box>
    );
  }
}
