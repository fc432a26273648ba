import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { leaves } from '../../src/config/fields.js';
import { buildJsonSchema } from '../../src/config/json-schema.js';

interface Node {
  type?: string;
  description?: string;
  properties?: Record<string, Node>;
  items?: Node;
  anyOf?: Node[];
  enum?: unknown[];
  required?: string[];
  additionalProperties?: boolean;
}

const schema = buildJsonSchema() as Node;

function typesOf(node: Node): string[] {
  return node.anyOf ? node.anyOf.flatMap(typesOf) : node.type ? [node.type] : [];
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** A structural check: every key is declared, and every value has a declared type. */
function conforms(value: unknown, node: Node, at: string): string[] {
  const types = typesOf(node);
  const type = jsonType(value);
  const ok = types.includes(type) || (type === 'integer' && types.includes('number'));
  if (!ok) return [`${at}: ${type} is not ${types.join('|')}`];
  if (node.enum && !node.enum.includes(value)) return [`${at}: ${String(value)} is not in the enum`];
  const problems: string[] = [];
  if (type === 'object') {
    const objectNode = node.anyOf?.find((n) => n.type === 'object') ?? node;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const child = objectNode.properties?.[k];
      if (!child) problems.push(`${at}.${k}: not in the schema`);
      else problems.push(...conforms(v, child, `${at}.${k}`));
    }
  }
  if (type === 'array') {
    const arrayNode = node.anyOf?.find((n) => n.type === 'array') ?? node;
    (value as unknown[]).forEach((v, i) => problems.push(...conforms(v, arrayNode.items!, `${at}[${i}]`)));
  }
  return problems;
}

describe('buildJsonSchema', () => {
  it('declares every field with a description', () => {
    for (const leaf of leaves()) {
      let node: Node | undefined = schema;
      for (const k of leaf.path) node = node?.properties?.[k];
      expect(node, leaf.key).toBeDefined();
      expect(node!.description, leaf.key).toBeTruthy();
    }
    const endpoint = schema.properties!.server!.properties!.endpoints!.items!;
    expect(Object.keys(endpoint.properties!)).toEqual(['baseURL', 'concurrency', 'contextSize']);
    for (const p of Object.values(endpoint.properties!)) expect(p.description).toBeTruthy();
    for (const section of ['server', 'agent', 'worktree', '$schema']) {
      expect(schema.properties![section]!.description, section).toBeTruthy();
    }
  });

  it('describes the file as written: nothing required, unknown keys rejected', () => {
    expect(schema.required ?? []).toEqual([]);
    expect(schema.additionalProperties).toBe(false);
    for (const section of ['server', 'agent', 'worktree']) {
      expect(schema.properties![section]!.required ?? [], section).toEqual([]);
      expect(schema.properties![section]!.additionalProperties, section).toBe(false);
    }
    expect(schema.properties!.agent!.properties!.tools!.enum).toEqual(['auto', 'native', 'text']);
  });

  it("accepts the project's own .factoryrc.json", async () => {
    const rc = JSON.parse(await readFile(new URL('../../.factoryrc.json', import.meta.url), 'utf8'));
    expect(Object.keys(rc)).toEqual(
      expect.arrayContaining(['$schema', 'server', 'agent', 'check', 'worktree']),
    );
    expect(conforms(rc, schema, '')).toEqual([]);
  });

  it('is caught by the structural check when a file is wrong', () => {
    expect(conforms({ agent: { maxAtempts: 1 } }, schema, '')).toEqual([
      '.agent.maxAtempts: not in the schema',
    ]);
    expect(conforms({ check: 3 }, schema, '')).toEqual(['.check: integer is not string|null']);
  });
});
