/**
 * The file tools as the model sees them. Descriptions are short and concrete: small models
 * follow examples better than rules.
 */
import type { ToolSpec } from '../../llm/types.js';

const path = { type: 'string', description: 'Path relative to the repository root, e.g. "src/app.ts".' };

function spec(
  name: string,
  description: string,
  properties: Record<string, unknown>,
  required: string[],
): ToolSpec {
  return {
    name,
    description,
    parameters: { type: 'object', properties, required, additionalProperties: false },
  };
}

export const RUN_COMMAND = 'run_command';

export const TOOL_SPECS: readonly ToolSpec[] = [
  spec('read_file', 'Read a text file of the repository.', { path }, ['path']),
  spec(
    'write_file',
    'Create a file, or replace a whole file, with the given content. Parent directories are created.',
    { path, content: { type: 'string', description: 'The complete new content of the file.' } },
    ['path', 'content'],
  ),
  spec(
    'replace_in_file',
    'Replace one exact piece of a file. "search" must match the current file text in exactly one place ' +
      '(copy it from read_file, with its indentation); it is replaced by "replace".',
    {
      path,
      search: { type: 'string', description: 'The exact text to find (a few whole lines work best).' },
      replace: { type: 'string', description: 'The text to put in its place.' },
    },
    ['path', 'search', 'replace'],
  ),
  spec('delete_file', 'Delete a file.', { path }, ['path']),
  spec(
    'list_files',
    'List the files of the repository, or of one directory (skips .git and node_modules).',
    {
      path: {
        type: 'string',
        description: 'A directory relative to the repository root; default: the root.',
      },
    },
    [],
  ),
  spec(
    'search',
    'Search the text files of the repository for a string (or a regular expression with "regex": true). ' +
      'Returns matching lines as path:line: text.',
    {
      pattern: { type: 'string', description: 'The text to look for.' },
      path: {
        type: 'string',
        description: 'A directory or file to search in; default: the whole repository.',
      },
      regex: { type: 'boolean', description: 'Treat the pattern as a JavaScript regular expression.' },
    },
    ['pattern'],
  ),
  spec(
    RUN_COMMAND,
    'Run a shell command in the repository root and return its exit code and output.',
    { command: { type: 'string', description: 'The shell command, e.g. "npm test".' } },
    ['command'],
  ),
];

export const TOOL_NAMES: readonly string[] = TOOL_SPECS.map((s) => s.name);
