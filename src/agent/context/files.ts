import { lstat, open } from 'node:fs/promises';
import path from 'node:path';
import { git } from '../../git/run.js';

/**
 * The worktree's files as the Coder may see them: tracked ones plus untracked ones that are not
 * ignored, in git's (sorted) order. After the first attempt every file the Coder or the check
 * created has been committed (step and attempt commits), so the costly walk for untracked files
 * is only needed on the first attempt.
 */
export async function listRepoFiles(root: string, opts: { untracked?: boolean } = {}): Promise<string[]> {
  const args =
    opts.untracked === false
      ? ['ls-files', '-z', '--cached']
      : ['ls-files', '-z', '--cached', '--others', '--exclude-standard'];
  const r = await git(args, { cwd: root });
  return [...new Set(r.stdout.split('\0').filter(Boolean))];
}

/** Looks up paths written in free text (a task, an error output) among the repo's files. */
export class PathIndex {
  private readonly set: Set<string>;
  private byBase?: Map<string, string[]>;
  private tails?: Map<string, string[]>;
  private readonly roots: string[];

  constructor(
    readonly paths: string[],
    root: string,
  ) {
    this.set = new Set(paths);
    const r = root.replace(/\/+$/, '');
    // macOS reports temp dirs as both /var/... and /private/var/...
    this.roots = [r, r.startsWith('/private/') ? r.slice('/private'.length) : `/private${r}`];
  }

  has(p: string): boolean {
    return this.set.has(p);
  }

  /** The repo paths a token may mean: exact, relative to the root, by unique-ish suffix or basename. */
  resolve(token: string): string[] {
    let t = token.replace(/^\/{2,}/, '/').replace(/^\.\//, '');
    if (t.startsWith('/')) {
      const root = this.roots.find((r) => t.startsWith(r + '/'));
      if (root) t = t.slice(root.length + 1);
    }
    if (this.set.has(t)) return [t];
    if (t.includes('/')) return this.few(this.bySuffix(t.replace(/^\/+/, '')));
    if (/\.[A-Za-z0-9]+$/.test(t)) return this.few(this.bases().get(t));
    return [];
  }

  /** Ambiguous names (index.ts in twenty folders) say nothing about which file matters. */
  private few(list: string[] | undefined): string[] {
    return list && list.length <= 3 ? list : [];
  }

  private bases(): Map<string, string[]> {
    if (!this.byBase) {
      this.byBase = new Map();
      for (const p of this.paths) push(this.byBase, p.slice(p.lastIndexOf('/') + 1), p);
    }
    return this.byBase;
  }

  /**
   * Paths ending in `key` (two or more segments: "agent/loop.ts" finds "src/agent/loop.ts"). For
   * an absolute path from elsewhere (another checkout), its tails are tried, longest first.
   */
  private bySuffix(key: string): string[] | undefined {
    const map = this.suffixes();
    if (map.has(key)) return map.get(key);
    for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) {
      const tail = key.slice(i + 1);
      if (this.set.has(tail)) return [tail];
      if (map.has(tail)) return map.get(tail);
    }
    return undefined;
  }

  private suffixes(): Map<string, string[]> {
    if (!this.tails) {
      this.tails = new Map();
      for (const p of this.paths) {
        for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
          const tail = p.slice(i + 1);
          if (tail.includes('/')) push(this.tails, tail, p);
        }
      }
    }
    return this.tails;
  }
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export interface Mention {
  path: string;
  /** Line numbers written next to the path (`src/a.ts:12:5`, `File "a.py", line 12`). */
  lines: number[];
  /** Mentioned on a line that looks like a failure (error text, stack frame, file:line). */
  strong: boolean;
}

const TOKEN = /[\w@~.+\-/]+(?::\d+(?::\d+)?)?/g;
const FAILURE_LINE = /fail|error|✗|×|✖|expected|assert|exception|traceback|panic|^\s*at\s|:\d+/i;
/** No real path is longer (PATH_MAX); looking a longer token up costs time for each of its slashes. */
const MAX_TOKEN_CHARS = 4096;

/** The repo files a text mentions, in order of first mention. */
export function findMentions(text: string, index: PathIndex, maxTokens = 5000): Mention[] {
  const found = new Map<string, Mention>();
  let seen = 0;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/File "([^"]+)", line (\d+)/g, '$1:$2 ');
    const strong = FAILURE_LINE.test(line);
    for (const m of line.matchAll(TOKEN)) {
      if (++seen > maxTokens) return [...found.values()];
      if (m[0].length > MAX_TOKEN_CHARS) continue;
      const ref = /^(.*?)(?::(\d+)(?::\d+)?)?$/.exec(m[0].replace(/[.-]+$/, ''));
      const token = ref?.[1]?.replace(/[.-]+$/, '') ?? '';
      if (token.length < 3 || !/[./]/.test(token) || !/\w/.test(token)) continue;
      const lineNo = ref?.[2] ? Number(ref[2]) : undefined;
      for (const p of index.resolve(token)) {
        const mention = found.get(p) ?? { path: p, lines: [], strong: false };
        if (lineNo && !mention.lines.includes(lineNo)) mention.lines.push(lineNo);
        mention.strong ||= strong;
        found.set(p, mention);
      }
    }
  }
  return [...found.values()];
}

/** Bytes read at most from one file: a context never shows more than a fraction of this. */
const MAX_READ = 512 * 1024;

export interface FileText {
  text: string;
  /** The file was longer than what was read. */
  partial: boolean;
}

/**
 * A worktree file's text for the context, or null when it is missing, not a regular file (a
 * symlink may point outside the worktree), outside the root, or binary.
 */
export async function readContextFile(root: string, rel: string): Promise<FileText | null> {
  const abs = path.resolve(root, rel);
  if (path.isAbsolute(rel) || !abs.startsWith(path.resolve(root) + path.sep)) return null;
  if (rel.split(/[\\/]/).some((seg) => seg === '..' || seg === '.git')) return null;
  try {
    const st = await lstat(abs);
    if (!st.isFile()) return null;
    const fh = await open(abs, 'r');
    try {
      const size = Math.min(st.size, MAX_READ);
      const buf = Buffer.alloc(size);
      const { bytesRead } = await fh.read(buf, 0, size, 0);
      const bytes = buf.subarray(0, bytesRead);
      if (bytes.subarray(0, 8000).includes(0)) return null;
      return { text: bytes.toString('utf8'), partial: st.size > bytesRead };
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
}
