/**
 * Turns a Coder's text reply into edits. Two formats, mixed freely:
 *   - whole-file blocks: a line naming the file, then a fenced block with the full content;
 *   - SEARCH/REPLACE blocks, the path on one of the three lines before `<<<<<<< SEARCH`
 *     (fence lines between them are skipped, so a block wrapped in a fence works too). A block
 *     with no path line continues the previous block's file, as in aider.
 * The path may also be the first line inside the fence (bare or as a comment, `# app/cli.py`), or
 * alone in its own small fence just before the block. Tool calls written as text (JSON, in
 * `<tool_call>` tags or a fence) become edits when they call an edit tool, else a problem.
 * In a script task, a fenced block with no path is the script. The parser never judges paths
 * (the sandbox does, when the edit is applied) and never throws: what it cannot use becomes a
 * problem for the Coder.
 */
import type { EditOp, ParsedReply } from '../types.js';
import { fenceAt, findFenceEnd, isSearchHead, scanSearchBlock } from './blocks.js';
import { extensionLang, parseInfo, pathFromLine } from './paths.js';
import { findTextCalls } from './text-calls.js';

interface Loose {
  lang: string;
  content: string;
}

/** A path on the nearest non-blank line before `at`, not reaching back past `floor`. */
function pathBefore(
  lines: readonly string[],
  at: number,
  floor: number,
  skipFences: boolean,
): string | undefined {
  let seen = 0;
  for (let j = at - 1; j >= floor && seen < 3; j--) {
    const line = lines[j]!;
    if (line.trim() === '') continue;
    const fence = skipFences ? fenceAt(line) : undefined;
    if (fence) {
      const named = parseInfo(fence.info).path;
      if (named) return named;
      seen++;
      continue;
    }
    return pathFromLine(line);
  }
  return undefined;
}

function dedent(lines: readonly string[], indent: number): string[] {
  if (indent === 0) return [...lines];
  return lines.map((l) => l.slice(Math.min(indent, /^[ \t]*/.exec(l)![0].length)));
}

const joinLines = (lines: readonly string[]) => (lines.length === 0 ? '' : `${lines.join('\n')}\n`);

function shebangLang(content: string): string {
  const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(content);
  if (!m) return '';
  let prog = m[1]!.split('/').pop()!;
  if (prog === 'env' && m[2]) prog = m[2].split('/').pop()!;
  prog = prog.replace(/[\d.]+$/, '');
  return prog === 'node' || prog === 'nodejs' ? 'javascript' : prog;
}

/** The path a fence's first line names, as a bare path or a comment label (`# app/cli.py`). */
function labelPath(body: readonly string[], lang: string): string | undefined {
  const first = body[0];
  if (first === undefined || body.length < 2) return undefined;
  const t = first.trim();
  const m = /^(#|\/\/|\/\*|<!--|--)?\s*[\w./-]+\s*(?:\*\/|-->)?$/.exec(t);
  if (!m) return undefined;
  const path = pathFromLine(t);
  if (!path || m[1]) return path;
  // A bare first line could be content (a list of paths): it names the file only when the
  // fence's language agrees with the file's extension, or, untagged, when no path follows it.
  const ext = /\.([\w-]+)$/.exec(path)?.[1]?.toLowerCase();
  if (lang) return lang === ext || lang === extensionLang(path) ? path : undefined;
  const second = body.slice(1).find((l) => l.trim() !== '');
  return second === undefined || pathFromLine(second) ? undefined : path;
}

export function parseReply(text: string, opts: { mode: 'repo' | 'script' }): ParsedReply {
  const edits: EditOp[] = [];
  const writeLangs: string[] = [];
  const problems: string[] = [];
  const calls = findTextCalls(text.replace(/<think>[\s\S]*?<\/think>/g, ''));
  edits.push(...calls.edits);
  for (const e of calls.edits) if (e.kind === 'write') writeLangs.push(extensionLang(e.path));
  problems.push(...calls.problems);
  const lines = calls.rest.replace(/\r\n?/g, '\n').split('\n');
  const loose: Loose[] = [];
  const wrapperEnds = new Set<number>();
  let floor = 0;
  let lastPath: string | undefined;
  // A path alone in its own small fence names the file of the block right after it.
  let fencedPath: string | undefined;

  for (let i = 0; i < lines.length;) {
    const line = lines[i]!;
    if (wrapperEnds.has(i)) {
      i++;
      floor = i;
      continue;
    }

    if (isSearchHead(line)) {
      const path = pathBefore(lines, i, floor, true) ?? fencedPath ?? lastPath;
      fencedPath = undefined;
      const block = scanSearchBlock(lines, i);
      if ('missing' in block) {
        problems.push(
          `The SEARCH/REPLACE block${path ? ` for ${path}` : ''} is not complete: \`${block.missing}\` is missing ` +
            '(was the reply cut off?). Send the whole block again.',
        );
        i++;
        floor = i;
        continue;
      }
      if (path) {
        edits.push({
          kind: 'replace',
          path,
          search: joinLines(block.search),
          replace: joinLines(block.replace),
        });
        lastPath = path;
      } else {
        problems.push(
          'A SEARCH/REPLACE block has no file path. Put the path alone on the line before `<<<<<<< SEARCH`.',
        );
      }
      i = block.end + 1;
      floor = i;
      continue;
    }

    const fence = fenceAt(line);
    if (!fence) {
      i++;
      continue;
    }
    const end = findFenceEnd(lines, i);
    const body = lines.slice(i + 1, end ?? lines.length);
    if (body.some(isSearchHead)) {
      // A fence around SEARCH/REPLACE blocks: step inside; its closing line is skipped later.
      if (end !== undefined) wrapperEnds.add(end);
      i++;
      continue;
    }
    const info = parseInfo(fence.info);
    let path = info.path ?? pathBefore(lines, i, floor, false) ?? fencedPath;
    fencedPath = undefined;
    const bodyLines = dedent(body, fence.indent);
    let content = joinLines(bodyLines);
    const named = labelPath(bodyLines, info.lang);
    let label: string | undefined;
    if (named && (!path || named === path)) {
      // The first line only names the file; it is kept when the file itself starts with it.
      path = named;
      label = bodyLines[0]!;
      content = joinLines(bodyLines.slice(1));
    }
    if (end === undefined) {
      if (path || opts.mode === 'script') {
        problems.push(
          `The code block${path ? ` for ${path}` : ''} is not closed (was the reply cut off?). ` +
            'Nothing was written from it; send it again, complete.',
        );
      }
      break;
    }
    const nonBlank = bodyLines.filter((l) => l.trim() !== '');
    if (!path && nonBlank.length === 1 && pathFromLine(nonBlank[0]!)) {
      // Only for the block that follows at once: a path quoted in prose names nothing.
      const next = lines.slice(end + 1).find((l) => l.trim() !== '');
      if (next !== undefined && (fenceAt(next) || isSearchHead(next)))
        fencedPath = pathFromLine(nonBlank[0]!);
    } else if (path) {
      edits.push({ kind: 'write', path, content, fromText: label === undefined ? {} : { label } });
      writeLangs.push(info.lang || extensionLang(path));
    } else {
      loose.push({ lang: info.lang, content });
    }
    i = end + 1;
    floor = i;
  }

  const reply: ParsedReply = { edits, problems };
  if (opts.mode === 'script') {
    // Models often add a usage or output example; the script is the biggest pathless block.
    const best = loose.reduce<Loose | undefined>(
      (a, b) => (!a || b.content.length > a.content.length ? b : a),
      undefined,
    );
    if (best && best.content.trim() !== '') {
      reply.script = { lang: best.lang || shebangLang(best.content), content: best.content };
    } else if (edits.length === 1 && edits[0]!.kind === 'write') {
      // "solution.py" then a fence: the named file is the script (it is written as well).
      reply.script = { lang: writeLangs[0] || shebangLang(edits[0]!.content), content: edits[0]!.content };
    }
  } else if (edits.length === 0 && loose.some((b) => b.content.split('\n').length > 3)) {
    problems.push(
      'A code block has no file path, so nothing was changed. Put the file path alone on the line ' +
        'before the opening fence, or use SEARCH/REPLACE blocks.',
    );
  }
  return reply;
}
