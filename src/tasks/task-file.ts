import path from 'node:path';
import { parse as parseYaml, YAMLError } from 'yaml';
import { z } from 'zod';
import { refuse } from '../errors.js';
import { formatPath } from '../config/issues.js';
import { parseJson } from '../config/json.js';
import { checkDepth, readInputFile } from '../config/read-file.js';
import { MAX_ATTEMPTS, MAX_TIMEOUT_SECONDS } from '../config/schema.js';

/** A task as the user gave it, before the configuration fills the gaps. */
export interface TaskInput {
  title: string;
  description: string;
  constraints: string[];
  maxAttempts?: number;
  /** Seconds for each run of the check (executionTimeout). */
  timeout?: number;
  /** undefined: use the configured check; null: no check, the Coder writes a script that is run. */
  check?: string | null;
  base?: string;
  /** The OS sandbox for this task's commands, over `sandbox.mode` of the configuration. */
  sandbox?: 'auto' | 'bwrap' | 'seatbelt' | 'none';
  /** true: the visual check runs whatever the change touches; false: never (visual.paths ignored). */
  visual?: boolean;
  /** What the result must look like (desktop and phone), for the visual check's judge. */
  spec?: string;
  /** A planner turn first (`--plan`, `plan: true`): it writes the brief and may split the task. */
  plan?: boolean;
  /** Where it came from, for messages. */
  source: string;
}

/** The reference task format: name, description, constraints, max_attempts, timeout, check, base. */
const taskSchema = z.strictObject({
  name: z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' }).optional(),
  description: z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty description' }),
  constraints: z
    .union([z.string(), z.array(z.string({ error: 'expected a list of strings' }))], {
      error: 'expected a string or a list of strings',
    })
    .optional(),
  max_attempts: z
    .number({ error: `expected an integer from 1 to ${MAX_ATTEMPTS}` })
    .int({ error: `expected an integer from 1 to ${MAX_ATTEMPTS}` })
    .min(1, { error: `expected an integer from 1 to ${MAX_ATTEMPTS}` })
    .max(MAX_ATTEMPTS, { error: `expected an integer from 1 to ${MAX_ATTEMPTS}` })
    .optional(),
  timeout: z
    .number({ error: `expected a number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}` })
    .min(1, { error: `expected a number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}` })
    .max(MAX_TIMEOUT_SECONDS, { error: `expected a number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}` })
    .optional(),
  check: z.string({ error: 'expected a command string or null' }).nullable().optional(),
  base: z.string({ error: 'expected a git ref' }).min(1).optional(),
  sandbox: z
    .enum(['auto', 'bwrap', 'seatbelt', 'none'], {
      error: 'expected one of "auto", "bwrap", "seatbelt", "none"',
    })
    .optional(),
  visual: z.boolean({ error: 'expected true or false' }).optional(),
  spec: z
    .string({ error: 'expected a text (what the result must look like)' })
    .trim()
    .min(1, { error: 'expected a non-empty text (what the result must look like)' })
    .optional(),
  plan: z.boolean({ error: 'expected true or false' }).optional(),
});

const fileSchema = z.union([taskSchema, z.array(taskSchema), z.strictObject({ tasks: z.array(taskSchema) })]);

/** A title for branch names and lists: the name, else the first line of the description. */
export function titleOf(description: string, name?: string): string {
  if (name) return name;
  const first = description.trim().split('\n')[0]!.trim();
  return first.length > 72 ? `${first.slice(0, 69)}...` : first;
}

export function taskFromText(description: string): TaskInput {
  return {
    title: titleOf(description),
    description: description.trim(),
    constraints: [],
    source: 'command line',
  };
}

function problemLines(file: string, issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((k) => `${file}: ${formatPath([...issue.path, k])}: unknown field`);
  const at = issue.path.length ? formatPath(issue.path) : '(top level)';
  return [`${file}: ${at}: ${issue.message}`];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The problems of data that is not a task file, with full paths (`tasks[1].max_attempts`): the
 * union's own issues hide which task and which field, so each task is checked on its own.
 */
function fileIssues(data: unknown, unionIssues: z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const tasks: [PropertyKey[], unknown][] = Array.isArray(data)
    ? data.map((t, i) => [[i], t])
    : isObject(data) && 'tasks' in data
      ? Array.isArray(data.tasks)
        ? data.tasks.map((t, i) => [['tasks', i], t])
        : []
      : [[[], data]];
  if (isObject(data) && 'tasks' in data && !Array.isArray(data.tasks)) {
    const r = z
      .strictObject({ tasks: z.array(taskSchema, { error: 'expected a list of tasks' }) })
      .safeParse(data);
    return r.success ? unionIssues : r.error.issues;
  }
  for (const [prefix, task] of tasks) {
    const r = taskSchema.safeParse(task);
    if (!r.success) return r.error.issues.map((i) => ({ ...i, path: [...prefix, ...i.path] }));
  }
  return unionIssues;
}

/** A YAML error as one line: what is wrong and where, without the excerpt the library appends. */
function yamlProblem(e: unknown): string {
  const message = (e as Error).message.split('\n')[0]!.replace(/\s*at line \d+, column \d+:?\s*$/, '');
  const pos = e instanceof YAMLError ? e.linePos?.[0] : undefined;
  const what = /maximum call stack/i.test(message) ? 'nested too deeply' : message;
  return pos ? `invalid YAML at line ${pos.line}, column ${pos.col}: ${what}` : `invalid YAML: ${what}`;
}

/** Reads a task file (YAML or JSON): one task, a list of tasks, or `{tasks: [...]}`. */
export async function readTaskFile(file: string): Promise<TaskInput[]> {
  const text = await readInputFile(file, file);
  if (text === undefined)
    throw refuse(`cannot read the task file ${file}: it does not exist`, 'check the path');
  let data: unknown;
  if (path.extname(file) === '.json') data = parseJson(text, file);
  else {
    try {
      data = parseYaml(text);
    } catch (e) {
      throw refuse(`${file}: ${yamlProblem(e)}`);
    }
  }
  checkDepth(data, file);
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    throw refuse(
      fileIssues(data, parsed.error.issues)
        .flatMap((i) => problemLines(file, i))
        .join('; '),
      'fields: name, description, constraints, max_attempts, timeout, check, base, sandbox, visual, spec, plan',
    );
  }
  const list = Array.isArray(parsed.data)
    ? parsed.data
    : 'tasks' in parsed.data
      ? parsed.data.tasks
      : [parsed.data];
  if (list.length === 0) throw refuse(`${file} holds no tasks`);
  return list.map((t) => ({
    title: titleOf(t.description, t.name),
    description: t.description.trim(),
    constraints:
      t.constraints === undefined ? [] : typeof t.constraints === 'string' ? [t.constraints] : t.constraints,
    ...(t.max_attempts !== undefined ? { maxAttempts: t.max_attempts } : {}),
    ...(t.timeout !== undefined ? { timeout: t.timeout } : {}),
    ...(t.check !== undefined ? { check: t.check } : {}),
    ...(t.base !== undefined ? { base: t.base } : {}),
    ...(t.sandbox !== undefined ? { sandbox: t.sandbox } : {}),
    ...(t.visual !== undefined ? { visual: t.visual } : {}),
    ...(t.spec !== undefined ? { spec: t.spec } : {}),
    ...(t.plan ? { plan: true } : {}),
    source: file,
  }));
}
