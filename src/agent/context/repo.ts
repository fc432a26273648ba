import type { CoderContextInput } from './coder.js';
import { findMentions, PathIndex, readContextFile, type Mention } from './files.js';
import { excerpt, fenced, langOf, stripAnsi } from './text.js';
import type { Room } from './room.js';

/** Below this, a file section is not worth showing. */
const MIN_FILE_CHARS = 240;
/** Below this, a repo map is not worth showing. */
const MIN_MAP_CHARS = 200;
const MAX_FILES = 8;

export interface Ranked {
  path: string;
  score: number;
  lines: number[];
}

/**
 * The files that matter, most relevant first: paths named on failure lines of the last check
 * (stack frames, compiler errors) weigh most, then those in the problems, the task and the
 * feedback, then files changed so far, then the reviewer's report and other output lines.
 */
export function rankFiles(input: CoderContextInput, index: PathIndex): Ranked[] {
  const byPath = new Map<string, Ranked & { order: number }>();
  let order = 0;
  const add = (path: string, weight: number, lines: number[] = []) => {
    const r = byPath.get(path) ?? { path, score: 0, lines: [], order: order++ };
    r.score += weight;
    for (const l of lines) if (!r.lines.includes(l)) r.lines.push(l);
    byPath.set(path, r);
  };
  const mentions = (text: string | undefined): Mention[] => (text ? findMentions(text, index) : []);
  for (const m of mentions(input.problems?.join('\n'))) add(m.path, 3, m.lines);
  for (const m of mentions(input.lastCheck && stripAnsi(input.lastCheck.output)))
    add(m.path, m.strong ? 4 : 1, m.lines);
  const t = input.task;
  for (const m of mentions([t.title, t.description, ...t.constraints].join('\n'))) add(m.path, 3);
  for (const m of mentions(input.feedback)) add(m.path, 3);
  for (const p of input.changedFiles ?? []) add(p, 2);
  for (const m of mentions(input.sheriff ? `${input.sheriff.analysis}\n${input.sheriff.fix}` : undefined))
    add(m.path, 1);
  return [...byPath.values()].sort((a, b) => b.score - a.score || a.order - b.order);
}

export async function filesSection(
  room: Room,
  root: string,
  ranked: Ranked[],
  tools: 'native' | 'text',
  changed: readonly string[] = [],
): Promise<string> {
  const header = '# Relevant files (their current content)';
  let left = room.left - header.length - 2;
  if (left < MIN_FILE_CHARS) return '';
  const perFile = Math.max(MIN_FILE_CHARS, Math.floor(left / 2));
  const blocks: { path: string; block: string }[] = [];
  for (const r of ranked) {
    if (blocks.length >= MAX_FILES || left < MIN_FILE_CHARS) break;
    const file = await readContextFile(root, r.path);
    if (!file) continue;
    const allowance = Math.min(left, perFile) - 2;
    const block = fileBlock(r.path, file.text, file.partial, r.lines, allowance, tools);
    if (!block) continue;
    blocks.push({ path: r.path, block });
    left -= block.length + 2;
  }
  // Chosen by rank, shown in a stable order: files the task has not changed first, by path, then
  // the ones it changed. Consecutive prompts of a task then share the longest prefix, which the
  // server's prompt cache reuses, however the ranking moves from one attempt to the next.
  const edited = new Set(changed);
  const key = (p: string) => `${edited.has(p) ? 1 : 0}${p}`;
  blocks.sort((a, b) => (key(a.path) < key(b.path) ? -1 : key(a.path) > key(b.path) ? 1 : 0));
  return blocks.length ? room.take(`${header}\n${blocks.map((b) => b.block).join('\n\n')}`) : '';
}

function fileBlock(
  path: string,
  text: string,
  partialRead: boolean,
  lines: number[],
  max: number,
  tools: 'native' | 'text',
): string {
  const lang = langOf(path);
  const whole = `${path}\n${fenced(text, lang)}`;
  if (!partialRead && whole.length <= max) return whole;
  const how = tools === 'native' ? 'read_file shows the rest; ' : '';
  const header = (note: string) =>
    `${path} (${note}; partial: ${how}edit it with SEARCH/REPLACE, never whole)`;
  const overhead = header('lines 100000-100000 of 100000').length + fenced('', lang).length + 16;
  const ex = excerpt(text, lines, max - overhead);
  if (!ex.body) return '';
  return `${header(ex.note || 'the start of a long file')}\n${fenced(ex.body, lang)}`;
}

/**
 * The repo map: every path when they fit; else the most relevant ones (the files that matter,
 * their folders' neighbours, then the shallowest paths), listed in sorted order.
 */
export function mapSection(room: Room, paths: string[], ranked: Ranked[]): string {
  const header = `# Repository files (${paths.length})`;
  const left = room.left - header.length - 2;
  if (left < MIN_MAP_CHARS || !paths.length) return '';
  const all = paths.join('\n');
  if (all.length <= left) return room.take(`${header}\n${all}`);
  const relevant = new Set(ranked.map((r) => r.path));
  const dirs = new Set(ranked.map((r) => dirOf(r.path)));
  const depth = (p: string) => p.split('/').length;
  const tier = (p: string) => (relevant.has(p) ? 0 : dirs.has(dirOf(p)) ? 1 : 2);
  const order = paths
    .map((p, i) => ({ p, i, tier: tier(p), depth: depth(p) }))
    .sort((a, b) => a.tier - b.tier || a.depth - b.depth || a.i - b.i);
  const trailerRoom = 40;
  const kept: { p: string; i: number }[] = [];
  let used = 0;
  for (const o of order) {
    if (used + o.p.length + 1 > left - trailerRoom) break;
    kept.push(o);
    used += o.p.length + 1;
  }
  if (!kept.length) return '';
  kept.sort((a, b) => a.i - b.i);
  const more = paths.length - kept.length;
  return room.take(`${header}\n${kept.map((k) => k.p).join('\n')}\n… and ${more} more files`);
}

const dirOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
