import { describe, expect, it } from 'vitest';
import { findCycle, MAX_SUBTASKS, parsePlan } from '../../src/agent/plan.js';

const sub = (key: string, after: string[] = [], more: Record<string, unknown> = {}) => ({
  key,
  title: `Part ${key}`,
  brief: `Do ${key}.`,
  files: [`src/${key}.ts`],
  after,
  ...more,
});
const plan = (subtasks: unknown[], more: Record<string, unknown> = {}) =>
  JSON.stringify({ kind: 'logic', brief: 'Do it all.', spec: null, subtasks, ...more });

const errorOf = (reply: string) => {
  const r = parsePlan(reply);
  if (r.ok) throw new Error('expected an invalid plan');
  return r.error;
};

describe('parsePlan', () => {
  it('reads a plain JSON object', () => {
    const r = parsePlan(plan([sub('api'), sub('ui', ['api'])]));
    expect(r).toEqual({
      ok: true,
      plan: {
        kind: 'logic',
        brief: 'Do it all.',
        spec: null,
        subtasks: [sub('api'), sub('ui', ['api'])],
      },
    });
  });

  it('reads the object inside a ```json fence with prose around it, ignoring inline thinking', () => {
    const reply = `<think>maybe {"kind": "docs"}</think>Here you go:\n\`\`\`json\n${plan([], { kind: 'ui', spec: '  Two columns.  ' })}\n\`\`\`\nDone {ok}.`;
    const r = parsePlan(reply);
    expect(r.ok && r.plan).toMatchObject({ kind: 'ui', spec: 'Two columns.', subtasks: [] });
  });

  it('fills in what may be left out: spec null, subtasks, files and after empty', () => {
    const r = parsePlan('{"kind":"mixed","brief":"b","subtasks":[{"key":"a","title":"t","brief":"x"}]}');
    expect(r.ok && r.plan).toEqual({
      kind: 'mixed',
      brief: 'b',
      spec: null,
      subtasks: [{ key: 'a', title: 't', brief: 'x', files: [], after: [] }],
    });
  });

  it('says when there is no JSON at all', () => {
    expect(errorOf('I would split it in two.')).toBe('- (top level): no JSON object found in the answer');
    expect(errorOf('{"kind": "logic", "brief": ')).toBe('- (top level): no JSON object found in the answer');
  });

  it('names each field that is wrong', () => {
    const e = errorOf(
      JSON.stringify({
        kind: 'code',
        brief: '',
        subtasks: [{ key: 'a b', title: 't', brief: 'x', files: [3] }],
      }),
    );
    expect(e).toContain('- kind: expected "logic", "ui", "docs" or "mixed"');
    expect(e).toContain('- brief: expected a non-empty brief');
    expect(e).toContain('- subtasks[0].key: expected a short key');
    expect(e).toContain('- subtasks[0].files[0]: expected file paths (strings)');
  });

  it('refuses duplicate keys, unknown or self `after` keys, and cycles', () => {
    expect(errorOf(plan([sub('a'), sub('a')]))).toContain('- subtasks[1].key: duplicate key "a"');
    expect(errorOf(plan([sub('a'), sub('b', ['c'])]))).toContain(
      '- subtasks[1].after[0]: no subtask has the key "c"',
    );
    expect(errorOf(plan([sub('a', ['a'])]))).toContain(
      '- subtasks[0].after[0]: a subtask cannot wait for itself',
    );
    expect(errorOf(plan([sub('a', ['c']), sub('b', ['a']), sub('c', ['b'])]))).toContain(
      '- subtasks: "after" goes round in a circle: a -> c -> b -> a',
    );
  });

  it(`refuses more than ${MAX_SUBTASKS} subtasks`, () => {
    const many = Array.from({ length: MAX_SUBTASKS + 1 }, (_, i) => sub(`p${i}`));
    expect(errorOf(plan(many))).toContain(`- subtasks: expected at most ${MAX_SUBTASKS} subtasks`);
    expect(parsePlan(plan(many.slice(0, MAX_SUBTASKS))).ok).toBe(true);
  });
});

describe('findCycle', () => {
  it('finds none in a chain or a diamond', () => {
    expect(findCycle([sub('a'), sub('b', ['a']), sub('c', ['a']), sub('d', ['b', 'c'])])).toBeNull();
  });
  it('finds a two-step cycle', () => {
    expect(findCycle([sub('a', ['b']), sub('b', ['a'])])).toEqual(['a', 'b', 'a']);
  });
});
