/**
 * Turns a Coder's text reply into edits. Two formats, mixed freely:
 *   - whole-file blocks: a line naming the file, then a fenced block with the full content;
 *   - SEARCH/REPLACE blocks, the path on one of the three lines before `<<<<<<< SEARCH`
 *     (fence lines between them are skipped, so a block wrapped in a fence works too). A block
 *     with no path line continues the previous block's file, as in aider.
 * In a script task, a fenced block with no path is the script. The parser never judges paths
 * (the sandbox does, when the edit is applied) and never throws: what it cannot use becomes a
 * problem for the Coder.
 */
import type { EditOp, ParsedReply } from '../types.js';
import { fenceAt, findFenceEnd, isSearchHead, scanSearchBlock } from './blocks.js';
import { extensionLang, parseInfo, pathFromLine } from './paths.js';

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

// A comment that stands for code left out ("// ... rest of the file unchanged"): written as a
// whole file, it would delete that code.
const ELISION =
  /^\s*(?:\/\/|#|\/\*|<!--|--|;|\*)\s*(?:\.{3}|…)?\s*(?:\(?\s*)?(?:rest of (?:the )?(?:file|code|class|function)|existing code|(?:remaining|other) (?:code|methods|functions)|(?:code|content|everything else) (?:is )?unchanged|unchanged (?:code|content)|same as (?:before|above))/i;

function elided(content: string): string | undefined {
  return content
    .split('\n')
    .find((l) => ELISION.test(l))
    ?.trim();
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

export function parseReply(text: string, opts: { mode: 'repo' | 'script' }): ParsedReply {
  const lines = text
    .replace(/<think>[\s\S]*?<\/think>/g, '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  const edits: EditOp[] = [];
  const writeLangs: string[] = [];
  const problems: string[] = [];
  const loose: Loose[] = [];
  const wrapperEnds = new Set<number>();
  let floor = 0;
  let lastPath: string | undefined;

  for (let i = 0; i < lines.length;) {
    const line = lines[i]!;
    if (wrapperEnds.has(i)) {
      i++;
      floor = i;
      continue;
    }

    if (isSearchHead(line)) {
      const path = pathBefore(lines, i, floor, true) ?? lastPath;
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
    const path = info.path ?? pathBefore(lines, i, floor, false);
    if (end === undefined) {
      if (path || opts.mode === 'script') {
        problems.push(
          `The code block${path ? ` for ${path}` : ''} is not closed (was the reply cut off?). ` +
            'Nothing was written from it; send it again, complete.',
        );
      }
      break;
    }
    const content = joinLines(dedent(body, fence.indent));
    if (path) {
      const gap = elided(content);
      if (gap) {
        problems.push(
          `The block for ${path} leaves code out ("${gap}"). A whole-file block replaces the entire file: ` +
            'send the complete file, or change parts of it with SEARCH/REPLACE blocks.',
        );
      } else {
        edits.push({ kind: 'write', path, content });
        writeLangs.push(info.lang || extensionLang(path));
      }
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
