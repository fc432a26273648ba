/**
 * The results file of `factory eval`: what ran (factory, model, server, settings) and one row per
 * run of a case. `--compare` reads two of them back, so the schema is checked on reading too.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { refuse } from '../errors.js';

export const RESULTS_FORMAT = 'factory-eval/1';

const figuresSchema = z.object({
  wallMs: z.number(),
  modelMs: z.number(),
  firstTokenMs: z.number(),
  generationMs: z.number(),
  queuedMs: z.number(),
  requests: z.number(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  cachedTokens: z.number().nullable(),
  tokensPerSecond: z.number().nullable(),
  checkMs: z.number(),
  overheadMs: z.number(),
});

export const caseRunSchema = z.object({
  suite: z.string(),
  case: z.string(),
  title: z.string(),
  /** 1..N with --repeat N. */
  run: z.number().int().min(1),
  /** interrupted: Ctrl-C stopped it (or it never started); skipped: a command it needs is missing. */
  status: z.enum(['passed', 'failed', 'skipped', 'interrupted']),
  reason: z.string(),
  /** The task's own outcome (passed, failed, stagnated, budget, cancelled, error); null if none ran. */
  outcome: z.string().nullable(),
  attempts: z.number().int().min(0),
  /** The case's verify command in the final tree; null when it did not run. */
  verify: z.object({ exitCode: z.number().nullable(), output: z.string() }).nullable(),
  published: z.object({ attempts: z.number(), seconds: z.number() }).nullable(),
  figures: figuresSchema.nullable(),
});
export type CaseRun = z.output<typeof caseRunSchema>;

export const resultsSchema = z.object({
  format: z.literal(RESULTS_FORMAT),
  factoryVersion: z.string(),
  date: z.string(),
  suite: z.string(),
  repeat: z.number().int().min(1),
  model: z.string(),
  server: z.object({ baseURL: z.string(), flavor: z.string().nullable() }),
  /** As the server reported it (/v1/models, Ollama's details); null when it did not say. */
  quantization: z.string().nullable(),
  settings: z.object({
    tools: z.string(),
    maxAttempts: z.number(),
    maxTokensPerTurn: z.number(),
    totalTokenBudget: z.number(),
    executionTimeout: z.number(),
    llmTimeout: z.number(),
    temperature: z.number(),
    parallel: z.number(),
    /** The --set overrides of this eval, as typed. */
    overrides: z.record(z.string(), z.string()),
  }),
  /** Ctrl-C stopped the eval: rows of cases it did not finish say `interrupted`. */
  interrupted: z.boolean(),
  cases: z.array(caseRunSchema),
});
export type EvalResults = z.output<typeof resultsSchema>;

/** `eval-2026-12-01T21-30-04Z.json`: sortable, and no character a file system refuses. */
export function defaultResultsName(date: Date): string {
  return `eval-${date
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-')}.json`;
}

export async function writeResults(file: string, results: EvalResults): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
}

/** Reads a results file; anything else is refused with one line naming the file. */
export async function readResults(file: string): Promise<EvalResults> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw refuse(
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw refuse(`${file} is not JSON`, 'give two files written by `factory eval`');
  }
  const parsed = resultsSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length ? issue.path.join('.') : '(top level)';
    throw refuse(
      `${file} is not a factory eval results file (${at}: ${issue.message})`,
      'give two files written by `factory eval`',
    );
  }
  return parsed.data;
}

/** Where results go without --out: the user's data folder, `$XDG_DATA_HOME/factory/evals`. */
export function defaultResultsDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.local', 'share');
  return path.join(base, 'factory', 'evals');
}
