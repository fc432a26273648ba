/**
 * Validates a tool call's arguments. They come from a model, as JSON text (native calls) or as
 * an object (already parsed), and are often slightly off; every problem becomes a message that
 * names the tool and the field so the model can fix its next call.
 */
import { ToolFailure } from './safe-fs.js';

export type Args = Record<string, unknown>;

export function parseArgs(tool: string, raw: unknown): Args {
  let value = raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return {};
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new ToolFailure(
        `the arguments of ${tool} are not valid JSON (${(err as Error).message}); send a JSON object`,
      );
    }
  }
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ToolFailure(`the arguments of ${tool} must be a JSON object`);
  }
  return value as Args;
}

// Names models commonly use for `path` (from other agents' tool sets).
const PATH_ALIASES = ['file_path', 'filepath', 'filename', 'file'];

function lookup(args: Args, key: string): unknown {
  if (args[key] !== undefined) return args[key];
  if (key === 'path') for (const alias of PATH_ALIASES) if (args[alias] !== undefined) return args[alias];
  return undefined;
}

export function requireString(tool: string, args: Args, key: string): string {
  const v = lookup(args, key);
  if (v === undefined) throw new ToolFailure(`${tool} needs the argument "${key}"`);
  if (typeof v !== 'string') throw new ToolFailure(`${tool}: the argument "${key}" must be a string`);
  return v;
}

export function optionalString(tool: string, args: Args, key: string): string | undefined {
  const v = lookup(args, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ToolFailure(`${tool}: the argument "${key}" must be a string`);
  return v;
}

export function optionalBoolean(tool: string, args: Args, key: string): boolean | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new ToolFailure(`${tool}: the argument "${key}" must be true or false`);
  return v;
}
