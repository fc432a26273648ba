import { z } from 'zod';
import { jsonObjects, stripThinking } from './sheriff.js';

/**
 * The planner's answer (`factory task --plan`): what kind of work the task is, a self-contained
 * brief for a fresh Coder, a design spec for UI work, and 0..MAX_SUBTASKS subtasks that may wait
 * for each other (`after`). The runner turns several subtasks into child tasks.
 */

/** More subtasks than this is not a plan a local model carries out well: the answer is refused. */
export const MAX_SUBTASKS = 8;

const text = (what: string) =>
  z
    .string({ error: `expected ${what} (a string)` })
    .trim()
    .min(1, { error: `expected a non-empty ${what}` });

const subtaskSchema = z.object({
  key: z.string({ error: 'expected a key (a string)' }).regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/, {
    error: 'expected a short key of letters, digits, "-" or "_" (at most 40)',
  }),
  title: text('title'),
  brief: text('brief'),
  files: z.array(z.string({ error: 'expected file paths (strings)' })).default([]),
  after: z.array(z.string({ error: 'expected subtask keys (strings)' })).default([]),
});

export const planSchema = z
  .object({
    kind: z.enum(['logic', 'ui', 'docs', 'mixed'], { error: 'expected "logic", "ui", "docs" or "mixed"' }),
    brief: text('brief'),
    spec: z
      .string({ error: 'expected a design spec (a string) or null' })
      .nullable()
      .default(null)
      .transform((s) => (s && s.trim() ? s.trim() : null)),
    subtasks: z
      .array(subtaskSchema, { error: 'expected a list of subtasks' })
      .max(MAX_SUBTASKS, { error: `expected at most ${MAX_SUBTASKS} subtasks` })
      .default([]),
  })
  .superRefine((plan, ctx) => {
    const keys = new Set<string>();
    plan.subtasks.forEach((s, i) => {
      if (keys.has(s.key))
        ctx.addIssue({ code: 'custom', path: ['subtasks', i, 'key'], message: `duplicate key "${s.key}"` });
      keys.add(s.key);
    });
    plan.subtasks.forEach((s, i) =>
      s.after.forEach((a, j) => {
        if (a === s.key)
          ctx.addIssue({
            code: 'custom',
            path: ['subtasks', i, 'after', j],
            message: 'a subtask cannot wait for itself',
          });
        else if (!keys.has(a))
          ctx.addIssue({
            code: 'custom',
            path: ['subtasks', i, 'after', j],
            message: `no subtask has the key "${a}"`,
          });
      }),
    );
    const cycle = findCycle(plan.subtasks);
    if (cycle)
      ctx.addIssue({
        code: 'custom',
        path: ['subtasks'],
        message: `"after" goes round in a circle: ${cycle.join(' -> ')}`,
      });
  });

export type Plan = z.output<typeof planSchema>;
export type PlanSubtask = Plan['subtasks'][number];

/** A plan whose answer did not parse twice: the task runs unsplit with the planner's text as its brief. */
export function unsplitPlan(brief: string): Plan & { unsplit: true } {
  return { kind: 'mixed', brief, spec: null, subtasks: [], unsplit: true };
}

/** The keys of one cycle of `after` (the first key repeated at the end), or null when there is none. */
export function findCycle(subtasks: readonly { key: string; after: readonly string[] }[]): string[] | null {
  const after = new Map(subtasks.map((s) => [s.key, s.after]));
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (key: string): string[] | null => {
    if (state.get(key) === 'done') return null;
    if (state.get(key) === 'open') return [...path.slice(path.indexOf(key)), key];
    state.set(key, 'open');
    path.push(key);
    for (const a of after.get(key) ?? []) {
      if (!after.has(a)) continue;
      const c = visit(a);
      if (c) return c;
    }
    path.pop();
    state.set(key, 'done');
    return null;
  };
  for (const s of subtasks) {
    const c = visit(s.key);
    if (c) return c;
  }
  return null;
}

/** One line per problem, `subtasks[1].after[0]: no subtask has the key "db"`, for the retry prompt. */
function issueLines(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const at = i.path
        .map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n ? '.' : ''}${String(p)}`))
        .join('');
      return `- ${at || '(top level)'}: ${i.message}`;
    })
    .join('\n');
}

export type PlanParse = { ok: true; plan: Plan } | { ok: false; error: string };

/**
 * The plan in a planner's reply: one JSON object, alone, in a ```json fence or amid prose
 * (the outermost object that parses is taken; inline <think> reasoning is ignored), checked
 * against the schema: keys unique, `after` naming other subtasks' keys, no cycles.
 */
export function parsePlan(reply: string): PlanParse {
  const body = stripThinking(reply);
  let best: { value: unknown; length: number; end: number } | null = null;
  for (const c of jsonObjects(body)) {
    let value: unknown;
    try {
      value = JSON.parse(c.text);
    } catch {
      continue;
    }
    const length = c.end - c.start;
    if (!best || length > best.length || (length === best.length && c.end > best.end))
      best = { value, length, end: c.end };
  }
  if (!best) return { ok: false, error: '- (top level): no JSON object found in the answer' };
  const r = planSchema.safeParse(best.value);
  return r.success ? { ok: true, plan: r.data } : { ok: false, error: issueLines(r.error) };
}
