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
  /** A visual task's design spec: what the result must look like on each screen size. */
  designSpec?: string;
}

/** One viewport of an attempt's visual check, as the event log keeps it. */
export interface VisualViewport {
  name: string;
  width: number;
  height: number;
  mobile: boolean;
  /** The screenshot's file name in the event's `dir`. */
  screenshot: string;
  /** The describer's words, verbatim; null when it gave none (`describeError` says why). */
  description: string | null;
  describeError?: string;
  /** The page scrolls sideways at this viewport; null when it could not be measured. */
  overflow: boolean | null;
  /** The page's width in CSS pixels where it overflows. */
  scrollWidth?: number;
  console: number;
  pageErrors: number;
  network: number;
}

/**
 * What an attempt's visual check saw (after a passing check): where its screenshots and
 * visual.json are, what the describer said per viewport, and the browser's errors. `error`: it
 * could not look (the app did not start, the capture failed).
 */
export interface VisualLook {
  /** The folder of the attempt's screenshots and visual.json (in the task's folder, never committed). */
  dir: string;
  url: string;
  viewports: VisualViewport[];
  /** Console errors and warnings, page errors, failed requests: one line each, capped. */
  errors: string[];
  error?: string;
  durationMs: number;
  /** What the describer's answers cost in all: counted in the task's token budget. */
  usage?: { promptTokens: number; completionTokens: number };
}
