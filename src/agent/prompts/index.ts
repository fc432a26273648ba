import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FactoryError } from '../../errors.js';
import coder from './coder.md.js';
import coderScript from './coder-script.md.js';
import sheriff from './sheriff.md.js';
import describer from './describer.md.js';
import spec from './spec.md.js';
import planner from './planner.md.js';

/**
 * The personas' system prompts. The built-in ones are markdown kept in `*.md.ts` modules (one
 * per prompt, the text only) so they ship inside dist/ with no copy step; a user replaces any of
 * them with a file of their own through `agent.prompts` in the config.
 */
export interface Prompts {
  coder: string;
  coderScript: string;
  sheriff: string;
  /** The visual check's describer: says what a screenshot shows, never whether it is right. */
  describer: string;
  /** The design spec a visual task asks for first: what the result must look like. */
  spec: string;
  /** The planner of `factory task --plan`: classifies the task, writes a brief, may split it. */
  planner: string;
  /** Where each prompt came from: 'built-in' or the absolute path of the user's file. */
  sources?: Record<PromptName, string>;
}

export type PromptName = 'coder' | 'coderScript' | 'sheriff' | 'describer' | 'spec' | 'planner';

/** Config keys (`agent.prompts.*`): paths of the user's prompt files, relative to the repo root. */
export type PromptOverrides = Partial<Record<PromptName, string>>;

export const BUILT_IN_PROMPTS: Readonly<Record<PromptName, string>> = Object.freeze({
  coder,
  coderScript,
  sheriff,
  describer,
  spec,
  planner,
});

const NAMES: PromptName[] = ['coder', 'coderScript', 'sheriff', 'describer', 'spec', 'planner'];

export async function loadPrompts(
  overrides: PromptOverrides = {},
  repoRoot = process.cwd(),
): Promise<Prompts> {
  const prompts = { ...BUILT_IN_PROMPTS } as Record<PromptName, string>;
  const sources = {
    coder: 'built-in',
    coderScript: 'built-in',
    sheriff: 'built-in',
    describer: 'built-in',
    spec: 'built-in',
    planner: 'built-in',
  };
  for (const name of NAMES) {
    const file = overrides[name];
    if (!file) continue;
    const abs = path.resolve(repoRoot, file);
    prompts[name] = await readPromptFile(abs, name);
    sources[name] = abs;
  }
  return { ...prompts, sources };
}

async function readPromptFile(abs: string, name: PromptName): Promise<string> {
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    throw new FactoryError(`cannot read the ${name} prompt file ${abs}: ${(e as Error).message}`, {
      exitCode: 2,
      hint: `fix agent.prompts.${name} in .factoryrc.json (paths are relative to the repository root)`,
    });
  }
  if (!text.trim())
    throw new FactoryError(`the ${name} prompt file ${abs} is empty`, {
      exitCode: 2,
      hint: `write the prompt in it, or remove agent.prompts.${name} to use the built-in one`,
    });
  return text;
}

/**
 * Replaces `{{name}}` (spaces inside the braces allowed) with `vars[name]`. Unknown placeholders
 * stay as they are, so a typo in a user's prompt shows up in the transcript.
 */
export function renderPrompt(template: string, vars: Record<string, string>): string {
  return template
    .replace(/\{\{\s*(\w+)\s*\}\}/g, (m, key: string) => (Object.hasOwn(vars, key) ? vars[key]! : m))
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const TOOL_NOTES = {
  native: {
    repo:
      'You can also call the tools you are given: read_file for a file that is not shown, list_files and search ' +
      'to find code, write_file, replace_in_file and delete_file to edit. Call them directly instead of ' +
      'describing them. Edit blocks in your final reply are applied too.',
    script:
      'You can call the tools you are given (read_file, list_files, search) to look at the repository first. ' +
      'The script itself goes in your final reply, as one fenced block.',
  },
  text: {
    repo: 'You have no tools: write every change as an edit block in your reply.',
    script: 'You have no tools: the fenced block in your reply is all that runs.',
  },
} as const;

/** The Coder's system message for a task of this mode and tool style. */
export function coderSystemPrompt(
  prompts: Prompts,
  mode: 'repo' | 'script',
  tools: 'native' | 'text',
): string {
  const template = mode === 'script' ? prompts.coderScript : prompts.coder;
  return renderPrompt(template, { tools: TOOL_NOTES[tools][mode] });
}

export function sheriffSystemPrompt(prompts: Prompts): string {
  return renderPrompt(prompts.sheriff, {});
}

export function describerSystemPrompt(prompts: Pick<Prompts, 'describer'>): string {
  return renderPrompt(prompts.describer, {});
}
