/**
 * Contracts between the parts of the agent loop: edit parsing, sandboxed file tools, the
 * executor and the personas. The loop (loop.ts) composes them; each part is testable alone.
 */

/** One change a Coder asked for, whatever format it used (text blocks or tool calls). */
export type EditOp =
  | {
      kind: 'write';
      path: string;
      content: string;
      /**
       * Set for a whole-file block parsed from a text reply (not a tool call): it may be a snippet
       * sent as if it were the file, or name the file by its bare name (edits/intent.ts).
       */
      fromText?: { label?: string };
    }
  | { kind: 'replace'; path: string; search: string; replace: string }
  | { kind: 'delete'; path: string };

/** What the orchestrator got out of a Coder's text reply. */
export interface ParsedReply {
  edits: EditOp[];
  /** A script task's single fenced block with no path. */
  script?: { lang: string; content: string };
  /** Problems to report back to the Coder (e.g. an unterminated block). */
  problems: string[];
}

/** The answer of one tool call, as it goes back to the model. */
export interface ToolResult {
  ok: boolean;
  /** Text for the model: the result, or a clear error it can act on. */
  output: string;
  /** Worktree-relative paths this call changed (empty for reads); each non-empty call is a step. */
  changed: string[];
}

export interface ExecResult {
  command: string;
  /** null when the process was killed by a signal; 127 when it could not start. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  /** Head and tail joined with a marker that says how much was cut. */
  output: string;
  head: string;
  tail: string;
  /** Bytes dropped between head and tail. */
  truncatedBytes: number;
  totalBytes: number;
  /** Lines (also appended to the output) saying the OS sandbox blocked something, and how to allow it. */
  sandboxNotes?: string[];
}

export interface SheriffReport {
  verdict: 'PASS' | 'FAIL';
  analysis: string;
  fix: string;
}

export interface TaskSpec {
  title: string;
  description: string;
  constraints: string[];
  /** 'script': the Coder writes one script that the orchestrator runs (no check command). */
  mode: 'repo' | 'script';
}
