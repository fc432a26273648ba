import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { refuse } from '../errors.js';

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
  max_attempts: z.number({ error: 'expected a positive integer' }).int().positive().optional(),
  timeout: z.number({ error: 'expected a number of seconds' }).positive().optional(),
  check: z.string({ error: 'expected a command string or null' }).nullable().optional(),
  base: z.string({ error: 'expected a git ref' }).min(1).optional(),
  sandbox: z
    .enum(['auto', 'bwrap', 'seatbelt', 'none'], {
      error: 'expected one of "auto", "bwrap", "seatbelt", "none"',
    })
    .optional(),
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

function problemLine(file: string, issue: z.core.$ZodIssue): string {
  const at = issue.path.length ? issue.path.join('.') : '(top level)';
  return `${file}: ${at}: ${issue.message}`;
}

/** Reads a task file (YAML or JSON): one task, a list of tasks, or `{tasks: [...]}`. */
export async function readTaskFile(file: string): Promise<TaskInput[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw refuse(`cannot read the task file ${file}`, 'check the path');
  }
  let data: unknown;
  try {
    data = path.extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw refuse(
      `${file} is not valid ${path.extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    // The union hides the useful message; validate as a single task to point at the field.
    const single = taskSchema.safeParse(
      Array.isArray(data) ? data[0] : ((data as { tasks?: unknown[] })?.tasks?.[0] ?? data),
    );
    const issues = single.success ? parsed.error.issues : single.error.issues;
    throw refuse(
      issues.map((i) => problemLine(file, i)).join('; '),
      'fields: name, description, constraints, max_attempts, timeout, check, base, sandbox',
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
    source: file,
  }));
}
