/**
 * The file tools of one worktree: specs to offer the model, `call` for tool calls (native or
 * written as text) and `apply` for edits parsed from text replies. Nothing here throws at the
 * caller: every refusal or failure is a ToolResult with ok:false and an `error: …` output the
 * model can act on. Each call that changed files lists them in `changed` (one step commit).
 */
import type { ToolSpec } from '../../llm/types.js';
import type { EditOp, ToolResult } from '../types.js';
import { optionalBoolean, optionalString, parseArgs, requireString, type Args } from './args.js';
import { applyEdit } from './edit.js';
import { listFiles } from './list.js';
import { ToolFailure, readInside } from './safe-fs.js';
import { searchFiles } from './search.js';
import { RUN_COMMAND, TOOL_NAMES, TOOL_SPECS } from './specs.js';

export { TOOL_SPECS, TOOL_NAMES, RUN_COMMAND } from './specs.js';
export { SandboxError, resolveInside } from '../sandbox.js';

export type RunCommand = (command: string) => Promise<{ exitCode: number | null; output: string }>;

export interface FileToolOptions {
  /** Offer and allow run_command (off by default); needs `runCommand`. */
  allowRunCommand?: boolean;
  runCommand?: RunCommand;
  /** read_file returns at most this many bytes of a file (default 256 KiB). */
  maxReadBytes?: number;
  /** Largest file write_file/replace_in_file may produce or edit (default 5 MiB). */
  maxEditBytes?: number;
  /** list_files shows at most this many paths (default 500). */
  maxListEntries?: number;
  /** search returns at most this many lines (default 100). */
  maxSearchResults?: number;
}

export interface FileTools {
  specs(): ToolSpec[];
  call(name: string, args: unknown): Promise<ToolResult>;
  apply(op: EditOp): Promise<ToolResult>;
}

const fail = (message: string): ToolResult => ({ ok: false, output: `error: ${message}`, changed: [] });

function failure(err: unknown): ToolResult {
  return fail(err instanceof Error ? err.message : String(err));
}

function checkOp(op: unknown): EditOp {
  const o = (op ?? {}) as Record<string, unknown>;
  const isStr = (k: string) => typeof o[k] === 'string';
  const valid =
    isStr('path') &&
    ((o.kind === 'write' && isStr('content')) ||
      (o.kind === 'replace' && isStr('search') && isStr('replace')) ||
      o.kind === 'delete');
  if (!valid)
    throw new ToolFailure(
      'malformed edit: expected write {path, content}, replace {path, search, replace} or delete {path}',
    );
  return o as unknown as EditOp;
}

export function createFileTools(root: string, opts: FileToolOptions = {}): FileTools {
  const runEnabled = opts.allowRunCommand === true && typeof opts.runCommand === 'function';
  const maxReadBytes = opts.maxReadBytes ?? 256 * 1024;
  const limits = { maxEditBytes: opts.maxEditBytes ?? 5 * 1024 * 1024 };
  const maxList = opts.maxListEntries ?? 500;
  const maxSearch = opts.maxSearchResults ?? 100;

  const apply = async (op: EditOp): Promise<ToolResult> => {
    try {
      return await applyEdit(root, checkOp(op), limits);
    } catch (err) {
      return failure(err);
    }
  };

  const handlers: Record<string, (args: Args) => Promise<ToolResult>> = {
    async read_file(args) {
      const path = requireString('read_file', args, 'path');
      const r = await readInside(root, path, maxReadBytes);
      const cut = r.truncated
        ? `\n[… truncated: showing the first ${Buffer.byteLength(r.text)} of ${r.size} bytes]`
        : '';
      return { ok: true, output: r.text + cut, changed: [] };
    },
    async write_file(args) {
      const path = requireString('write_file', args, 'path');
      const content = requireString('write_file', args, 'content');
      return apply({ kind: 'write', path, content });
    },
    async replace_in_file(args) {
      const path = requireString('replace_in_file', args, 'path');
      const search = requireString('replace_in_file', args, 'search');
      const replace = requireString('replace_in_file', args, 'replace');
      return apply({ kind: 'replace', path, search, replace });
    },
    async delete_file(args) {
      return apply({ kind: 'delete', path: requireString('delete_file', args, 'path') });
    },
    async list_files(args) {
      const output = await listFiles(root, optionalString('list_files', args, 'path'), maxList);
      return { ok: true, output, changed: [] };
    },
    async search(args) {
      const output = await searchFiles(root, {
        pattern: requireString('search', args, 'pattern'),
        path: optionalString('search', args, 'path'),
        regex: optionalBoolean('search', args, 'regex'),
        maxResults: maxSearch,
      });
      return { ok: true, output, changed: [] };
    },
    async [RUN_COMMAND](args) {
      const command = requireString(RUN_COMMAND, args, 'command');
      if (command.trim() === '') throw new ToolFailure(`${RUN_COMMAND} needs a non-empty "command"`);
      const r = await opts.runCommand!(command);
      // Files the command changed are not known here; the loop finds them when it commits.
      return {
        ok: r.exitCode === 0,
        output: `exit code: ${r.exitCode ?? 'none (killed)'}\n${r.output}`,
        changed: [],
      };
    },
  };

  return {
    specs: () => TOOL_SPECS.filter((s) => runEnabled || s.name !== RUN_COMMAND).map((s) => ({ ...s })),
    apply,
    async call(name, args) {
      try {
        if (name === RUN_COMMAND && !runEnabled) {
          return fail(`${RUN_COMMAND} is disabled for this task; change files with the file tools instead`);
        }
        const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
        if (!handler) {
          const offered = TOOL_NAMES.filter((n) => runEnabled || n !== RUN_COMMAND);
          return fail(`unknown tool "${String(name)}"; the tools are: ${offered.join(', ')}`);
        }
        return await handler(parseArgs(name, args));
      } catch (err) {
        return failure(err);
      }
    },
  };
}
