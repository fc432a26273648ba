/**
 * Tool calls written as text in a text-mode reply (`{"name": "replace_in_file", "arguments":
 * {…}}` in a fence, `<tool_call>…</tool_call>`): the model meant an edit, so it is never dropped
 * in silence. A well-formed call of an edit tool becomes the same edit the tool would make; any
 * other call (a read, another agent's tool) becomes a problem that shows the text format. The
 * calls are found by the same parser the model client uses for native-tool servers.
 */
import { extractTextToolCalls, type TextToolCall } from '../../llm/text-tool-calls.js';
import { parseArgs, requireString } from '../tools/args.js';
import { TOOL_NAMES } from '../tools/specs.js';
import type { EditOp } from '../types.js';

// Edit tools of other agents that models trained on them call by habit; named here so a bare
// JSON call of one is recognised (and answered) instead of being taken for data.
const FOREIGN_TOOLS = [
  'edit_file',
  'edit',
  'str_replace',
  'str_replace_editor',
  'str_replace_based_edit_tool',
  'create_file',
  'write_to_file',
  'write',
  'apply_diff',
  'apply_patch',
  'replace_file',
  'search_replace',
  'insert_content',
  'update_file',
  'modify_file',
];
const NAMES = [...TOOL_NAMES, ...FOREIGN_TOOLS];

const FORMAT =
  'In this mode no tools run: change files with SEARCH/REPLACE blocks in your reply, like this:\n\n' +
  'src/app.py\n<<<<<<< SEARCH\nthe exact lines to change, copied from the file\n=======\nthe new lines\n' +
  '>>>>>>> REPLACE\n\nor create a file with its path alone on a line, then a fenced code block with ' +
  'the complete content.';

function toEdit(call: TextToolCall): EditOp {
  const args = parseArgs(call.name, call.arguments);
  const path = requireString(call.name, args, 'path');
  switch (call.name) {
    case 'write_file':
      return { kind: 'write', path, content: requireString(call.name, args, 'content') };
    case 'replace_in_file':
      return {
        kind: 'replace',
        path,
        search: requireString(call.name, args, 'search'),
        replace: requireString(call.name, args, 'replace'),
      };
    default:
      return { kind: 'delete', path };
  }
}

const EDIT_TOOLS = new Set(['write_file', 'replace_in_file', 'delete_file']);

/**
 * Names of the calls a JSON text is shaped as (`name` beside `arguments` or `parameters`), so a
 * call of a tool nobody listed is still recognised as a call, and answered.
 */
function shapedNames(text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text.trim());
  } catch {
    return [];
  }
  return (Array.isArray(value) ? value : [value]).flatMap((v) => {
    const o = (v ?? {}) as Record<string, unknown>;
    return typeof o.name === 'string' && (o.arguments !== undefined || o.parameters !== undefined)
      ? [o.name]
      : [];
  });
}
const JSON_FENCE =
  /^(`{3,}|~{3,})[ \t]*(?:json\w*|javascript|js)?[ \t]*\n([ \t]*[{[][\s\S]*?)\n[ \t]*\1[ \t]*$/gim;

/** The text inside one fence that is the whole reply, else the reply. */
const unfenced = (text: string) => /^\s*(`{3,}|~{3,})[^\n]*\n([\s\S]*?)\n\s*\1\s*$/.exec(text)?.[2] ?? text;

export interface TextCalls {
  edits: EditOp[];
  problems: string[];
  /** The reply without the calls, for the other formats. */
  rest: string;
}

export function findTextCalls(text: string): TextCalls {
  const found: TextToolCall[] = [];
  let rest = text;
  const tagged = extractTextToolCalls(rest, [...NAMES, ...shapedNames(unfenced(rest))]);
  if (tagged) {
    found.push(...tagged.calls);
    rest = tagged.content;
  }
  rest = rest.replace(JSON_FENCE, (block, _fence: string, body: string) => {
    const calls = extractTextToolCalls(body, [...NAMES, ...shapedNames(body)]);
    if (!calls) return block;
    found.push(...calls.calls);
    return '';
  });
  const edits: EditOp[] = [];
  const problems: string[] = [];
  const others: string[] = [];
  for (const call of found) {
    if (!EDIT_TOOLS.has(call.name)) {
      others.push(call.name);
      continue;
    }
    try {
      edits.push(toEdit(call));
    } catch (err) {
      problems.push(`error: ${(err as Error).message}. ${FORMAT}`);
    }
  }
  if (others.length > 0) {
    problems.push(
      `Your reply calls ${[...new Set(others)].join(', ')} as text; nothing was run or changed. ${FORMAT}`,
    );
  }
  return { edits, problems, rest };
}
