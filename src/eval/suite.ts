/**
 * The eval's suites: `fixtures/eval/<suite>/<case>/`, each case a folder with case.json (what it
 * is and how its result is verified), task.yaml (the task as `factory task -t` reads it), repo/
 * (the starting files) and optionally verify/ (files only the verify command sees), fix.patch and
 * script.json (the scripted server's replies that solve it).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { refuse } from '../errors.js';
import { readTaskFile, type TaskInput } from '../tasks/task-file.js';

export const SUITES = ['seeds', 'bugs'] as const;
export type SuiteName = (typeof SUITES)[number];
export type SuiteChoice = SuiteName | 'all';

export const caseSchema = z.strictObject({
  title: z.string().min(1),
  language: z.enum(['python', 'javascript', 'typescript']),
  kind: z.string().min(1),
  /** A shell command run in the task's final tree; exit 0 means the case is solved. */
  verify: z.string().min(1),
  /** The figures the design factory follows published for this scenario (seeds only). */
  published: z.strictObject({ attempts: z.number().int().min(1), seconds: z.number().positive() }).optional(),
  /**
   * Commands that must be on PATH, or `python3:<module>` for a module python3 must import; a case
   * missing one is skipped, never failed (see needs.ts).
   */
  needs: z
    .array(z.string().regex(/^[\w.+-]+(?::[A-Za-z_][\w.]*)?$/, 'a command name, or python3:<module>'))
    .optional(),
});
export type CaseMeta = z.output<typeof caseSchema>;

export interface EvalCase {
  suite: SuiteName;
  name: string;
  /** The case folder (absolute): FACTORY_EVAL_CASE for its verify command. */
  dir: string;
  meta: CaseMeta;
  task: TaskInput;
  /** The scripted server's replies that solve this case, when the case has them. */
  script: string | null;
}

/** Reads one case folder; a missing or malformed file is refused naming it. */
export async function loadCase(suite: SuiteName, dir: string): Promise<EvalCase> {
  const caseFile = path.join(dir, 'case.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(caseFile, 'utf8'));
  } catch (e) {
    throw refuse(
      `eval case ${caseFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message}`,
    );
  }
  const parsed = caseSchema.safeParse(raw);
  if (!parsed.success)
    throw refuse(`eval case ${caseFile}: ${z.prettifyError(parsed.error).replace(/\s*\n\s*/g, '; ')}`);
  const taskFile = path.join(dir, 'task.yaml');
  if (!existsSync(taskFile)) throw refuse(`eval case ${dir}: task.yaml is missing`);
  const tasks = await readTaskFile(taskFile);
  if (tasks.length !== 1) throw refuse(`eval case ${taskFile}: expected exactly one task`);
  if (!(await stat(path.join(dir, 'repo')).catch(() => null))?.isDirectory())
    throw refuse(`eval case ${dir}: the repo/ folder is missing`);
  const script = path.join(dir, 'script.json');
  return {
    suite,
    name: path.basename(dir),
    dir,
    meta: parsed.data,
    task: tasks[0]!,
    script: existsSync(script) ? script : null,
  };
}

/** The cases of a suite (or of all of them) in name order; a suite with no folder has none. */
export async function loadSuite(root: string, choice: SuiteChoice): Promise<EvalCase[]> {
  const cases: EvalCase[] = [];
  for (const suite of choice === 'all' ? SUITES : [choice]) {
    const dir = path.join(root, suite);
    const names = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const d of names.filter((n) => n.isDirectory()).sort((a, b) => a.name.localeCompare(b.name)))
      cases.push(await loadCase(suite, path.join(dir, d.name)));
  }
  return cases;
}

export function parseSuite(value: string): SuiteChoice {
  if (value === 'all' || (SUITES as readonly string[]).includes(value)) return value as SuiteChoice;
  throw refuse(`unknown suite "${value}"`, `choose one of ${[...SUITES, 'all'].join(', ')}`);
}
