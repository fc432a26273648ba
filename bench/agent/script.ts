import type { TaskSpec } from '../../src/agent/types.js';
import type { Script } from '../../src/scripted-server/index.js';

/** The two files every attempt edits: one by SEARCH/REPLACE, one written whole. */
export interface Targets {
  /** Generated file `file<replaceId>.ts`, whose `ID_<n>` line each attempt moves on by one. */
  replacePath: string;
  replaceId: number;
  writePath: string;
}

/** Two generated files far apart in the tree (the generator names file `i` `.../file<i>.ts`). */
export function pickTargets(files: string[]): Targets {
  const id = Math.floor(files.length / 3);
  const replacePath = files[id]!;
  if (!replacePath.endsWith(`/file${id}.ts`))
    throw new Error(`unexpected generated file name ${replacePath}`);
  return { replacePath, replaceId: id, writePath: files[Math.floor((files.length * 2) / 3)]! };
}

/** What the task says: it names both files, so the context ranks them first, as a real task would. */
export function taskSpec(t: Targets): TaskSpec {
  return {
    title: `Make compute${t.replaceId} return the bumped ID`,
    description:
      `compute${t.replaceId} in ${t.replacePath} must start from the bumped ID_${t.replaceId}, ` +
      `and ${t.writePath} must export the attempt that changed it last.`,
    constraints: ['keep the exports of both files'],
    mode: 'repo',
  };
}

/**
 * The Coder's reply in attempt `n`: a SEARCH/REPLACE on the line attempt `n - 1` wrote and the
 * other file written whole, so every attempt's diff differs from all earlier ones.
 */
export function coderReply(t: Targets, n: number): string {
  const id = t.replaceId;
  return [
    `ID_${id} has to move on by one, and the note file must say so.`,
    '',
    t.replacePath,
    '<<<<<<< SEARCH',
    `export const ID_${id} = ${id + n - 1};`,
    '=======',
    `export const ID_${id} = ${id + n};`,
    '>>>>>>> REPLACE',
    '',
    t.writePath,
    '```ts',
    `// ${t.writePath}: rewritten in attempt ${n}`,
    `export const LAST_ATTEMPT = ${n};`,
    '',
    'export function lastAttempt(input: number[]): number {',
    `  return input.reduce((acc, x) => (acc * 31 + x) % 1000003, ${n});`,
    '}',
    '```',
    '',
  ].join('\n');
}

function sheriffReply(t: Targets): string {
  return JSON.stringify({
    verdict: 'FAIL',
    analysis: `The check passes, but compute${t.replaceId} in ${t.replacePath} still ignores ID_${t.replaceId}.`,
    fix: `In ${t.replacePath}, start acc from ID_${t.replaceId} in compute${t.replaceId}.`,
  });
}

/**
 * A Sheriff that always says FAIL, and the Coder's reply for each attempt number, matched on the
 * number the loop writes in the Coder's message ("Attempt 3: ..."). Every task starts from the
 * same base, so attempt `n` of any task finds the line attempt `n - 1` wrote.
 */
export function loopScript(t: Targets, attemptsPerTask: number): Script {
  const coder = Array.from({ length: attemptsPerTask }, (_, k) => ({
    match: { system: 'You are the Coder', regex: `Attempt ${k + 1}:` },
    content: coderReply(t, k + 1),
  }));
  return { replies: [{ match: { system: 'You are the Sheriff' }, content: sheriffReply(t) }, ...coder] };
}
