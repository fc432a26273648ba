/**
 * search: matching lines of the worktree's text files as `path:line: text`. Literal by default,
 * since models rarely escape regex metacharacters; when a literal finds nothing and the pattern
 * is a valid regular expression, it is tried as one (and the output says so). Binary, huge and
 * symlinked files are skipped; results and line lengths are capped. A regular expression runs in
 * a worker under a deadline (see regex-worker.ts): a backtracking pattern costs seconds, not hours.
 */
import { lstat, open, realpath } from 'node:fs/promises';
import { constants } from 'node:fs';
import { resolveInside, toRelative } from '../sandbox.js';
import { ToolFailure, describeFsError } from './safe-fs.js';
import { walkFiles, type WalkEntry } from './walk.js';
import { MAX_PATTERN_CHARS, RegexTimeout, RegexWorker } from './regex-worker.js';

const MAX_FILE_BYTES = 1 << 20;
const MAX_LINE_CHARS = 200;
// Lines this long are minified bundles or data; a model-written regex could crawl over them.
const MAX_SCANNED_LINE = 4000;

export interface SearchOptions {
  pattern: string;
  path?: string;
  regex?: boolean;
  maxResults: number;
  /** Deadlines of a regular expression: per file and for the whole search (tests shorten them). */
  regexFileMs?: number;
  regexTotalMs?: number;
}

/** Indices of the lines of a file's text that match. */
type Matcher = (text: string) => number[] | Promise<number[]>;

/** Compiling is safe (it never runs the pattern); undefined when it is not a valid expression. */
function compile(pattern: string): RegExp | undefined {
  for (const flags of ['u', '']) {
    try {
      return new RegExp(pattern, flags);
    } catch {
      // try the next flags
    }
  }
  return undefined;
}

const splitLines = (text: string) => text.split(/\r?\n/);

function literalMatcher(pattern: string): Matcher {
  return (text) => {
    const hits: number[] = [];
    const lines = splitLines(text);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.length <= MAX_SCANNED_LINE && line.includes(pattern)) hits.push(i);
    }
    return hits;
  };
}

async function readText(abs: string): Promise<string | undefined> {
  const fh = await open(
    abs,
    constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0),
  ).catch(() => undefined);
  if (!fh) return undefined;
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return undefined;
    const buf = await fh.readFile();
    if (buf.subarray(0, 8000).includes(0)) return undefined;
    return buf.toString('utf8');
  } finally {
    await fh.close();
  }
}

async function scan(
  files: WalkEntry[],
  match: Matcher,
  max: number,
): Promise<{ hits: string[]; more: boolean }> {
  const hits: string[] = [];
  for (const file of files) {
    if (file.isLink) continue;
    const text = await readText(file.abs);
    if (text === undefined) continue;
    const found = await match(text);
    if (found.length === 0) continue;
    const lines = splitLines(text);
    for (const i of found) {
      const line = lines[i]!;
      if (hits.length >= max) return { hits, more: true };
      const shown = line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
      hits.push(`${file.rel}:${i + 1}: ${shown}`);
    }
  }
  return { hits, more: false };
}

export async function searchFiles(root: string, opts: SearchOptions): Promise<string> {
  if (opts.pattern === '') throw new ToolFailure('search needs a non-empty "pattern"');
  const where = opts.path ?? '.';
  const abs = await resolveInside(root, where);
  const realRoot = await realpath(root);
  const st = await lstat(abs).catch((err: unknown) => {
    throw describeFsError(err, where);
  });
  const files: WalkEntry[] = [];
  if (st.isDirectory()) for await (const f of walkFiles(realRoot, abs)) files.push(f);
  else files.push({ rel: toRelative(realRoot, abs), abs, isLink: false });

  let note = '';
  let result;
  if (opts.regex) {
    if (opts.pattern.length > MAX_PATTERN_CHARS)
      throw new ToolFailure(`search: the pattern is longer than ${MAX_PATTERN_CHARS} characters`);
    const re = compile(opts.pattern);
    if (!re) throw new ToolFailure(`search: "${opts.pattern}" is not a valid regular expression`);
    result = await regexScan(files, re, opts);
  } else {
    result = await scan(files, literalMatcher(opts.pattern), opts.maxResults);
    const re =
      result.hits.length === 0 && opts.pattern.length <= MAX_PATTERN_CHARS
        ? compile(opts.pattern)
        : undefined;
    if (re && /[\\^$.*+?()[\]{}|]/.test(opts.pattern)) {
      result = await regexScan(files, re, opts);
      if (result.hits.length > 0) note = '(no literal match; matched as a regular expression)\n';
    }
  }
  if (result.hits.length === 0) return `no matches for "${opts.pattern}" in ${where}`;
  const more = result.more
    ? `\n… more matches not shown (limit ${opts.maxResults}); narrow the pattern or path`
    : '';
  return note + result.hits.join('\n') + more;
}

/** A scan with `re` in a worker; a pattern past its deadline is a tool failure the model can act on. */
async function regexScan(
  files: WalkEntry[],
  re: RegExp,
  opts: SearchOptions,
): Promise<{ hits: string[]; more: boolean }> {
  const worker = new RegexWorker(re, {
    maxLine: MAX_SCANNED_LINE,
    fileMs: opts.regexFileMs,
    totalMs: opts.regexTotalMs,
  });
  try {
    return await scan(files, (text) => worker.matchLines(text), opts.maxResults);
  } catch (e) {
    if (!(e instanceof RegexTimeout)) throw e;
    throw new ToolFailure(
      `search: the regular expression "${opts.pattern}" took too long and was stopped ` +
        '(it backtracks catastrophically); use a literal pattern or a simpler expression',
    );
  } finally {
    await worker.close();
  }
}
