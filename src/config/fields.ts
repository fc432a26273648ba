import { z } from 'zod';
import { configSchema } from './schema.js';

/*
 * The schema read as data: which leaves exist and what type each wants. Env vars, flags, sources
 * and "did you mean" suggestions are all derived from it, so a field added to the schema needs
 * no second list anywhere.
 */

export type LeafKind = 'number' | 'string' | 'enum' | 'array' | 'other';

export interface Leaf {
  /** Dotted path, e.g. `agent.maxAttempts`. */
  key: string;
  path: string[];
  kind: LeafKind;
  nullable: boolean;
}

interface Unwrapped {
  schema: z.ZodType;
  nullable: boolean;
}

/** Strips default/prefault/optional/nullable wrappers, remembering whether null is allowed. */
function unwrap(schema: z.ZodType): Unwrapped {
  let nullable = false;
  let s = schema;
  while (true) {
    if (s instanceof z.ZodNullable) nullable = true;
    if (
      s instanceof z.ZodDefault ||
      s instanceof z.ZodPrefault ||
      s instanceof z.ZodOptional ||
      s instanceof z.ZodNullable
    ) {
      s = s.unwrap() as z.ZodType;
    } else return { schema: s, nullable };
  }
}

function kindOf(schema: z.ZodType): LeafKind {
  const type = schema.def.type;
  return type === 'number' || type === 'string' || type === 'enum' || type === 'array' ? type : 'other';
}

function collect(schema: z.ZodType, path: string[], out: Leaf[]): void {
  const { schema: inner, nullable } = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    for (const [k, v] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
      if (k !== '$schema') collect(v, [...path, k], out);
    }
  } else out.push({ key: path.join('.'), path, kind: kindOf(inner), nullable });
}

let cached: Leaf[] | undefined;

/** Every settable leaf in schema order. Arrays (even of objects) are leaves: they replace, not merge. */
export function leaves(): Leaf[] {
  if (!cached) {
    cached = [];
    collect(configSchema, [], cached);
  }
  return cached;
}

export function leafByKey(key: string): Leaf | undefined {
  return leaves().find((l) => l.key === key);
}

/** The keys valid in the object at `path` (array indices included), or undefined if it is no object. */
export function keysAt(path: readonly PropertyKey[]): string[] | undefined {
  let s: z.ZodType = configSchema;
  for (const seg of path) {
    const inner = unwrap(s).schema;
    if (inner instanceof z.ZodObject) {
      const next = (inner.shape as Record<string, z.ZodType>)[String(seg)];
      if (!next) return undefined;
      s = next;
    } else if (inner instanceof z.ZodArray) s = inner.element as z.ZodType;
    else return undefined;
  }
  const inner = unwrap(s).schema;
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : undefined;
}

/**
 * Turns a string from an env var or `--set` into the leaf's type. A value that does not convert is
 * returned unchanged so validation reports it with the usual "expected ..., got ..." message.
 */
export function coerce(leaf: Leaf, raw: string): unknown {
  const text = raw.trim();
  if (leaf.nullable && text === 'null') return null;
  if (leaf.kind === 'number') {
    const n = Number(text);
    return text !== '' && Number.isFinite(n) ? n : raw;
  }
  if (leaf.kind === 'array' || leaf.kind === 'other') {
    try {
      return JSON.parse(text);
    } catch {
      return raw;
    }
  }
  return raw;
}
