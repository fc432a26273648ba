import type { TextMessage } from '../../llm/types.js';
import type { TaskSpec, VisualLook } from '../types.js';
import { renderVisual } from './visual.js';
import { sheriffSystemPrompt, type Prompts } from '../prompts/index.js';
import { CHARS_PER_TOKEN } from '../tokens.js';
import { fenced, stripAnsi } from './text.js';
import { trimDiff } from './diff.js';
import { Room, fit, renderTask } from './room.js';

export interface SheriffContextInput {
  task: TaskSpec;
  prompts: Prompts;
  /** The current attempt's diff. */
  diff: string;
  /**
   * The task's whole change against its base (earlier attempts included): what decides whether
   * the task is done. Undefined or equal to `diff` when this attempt is all of it.
   */
  wholeDiff?: string;
  check: { command: string; exitCode: number | null; head: string; tail: string; timedOut?: boolean };
  budgetTokens: number;
  /** The attempt's visual check, when it had one (after a passing check). */
  visual?: VisualLook;
}

/** The visual section's share of what the task and the check's meta leave. */
const VISUAL_SHARE = 0.4;

/**
 * The Sheriff's context: its prompt, then the task, the check (command, exit code, output head
 * and tail) and the task's whole change with this attempt's part marked, trimmed to the budget.
 * The output's tail comes before its head and the diffs get what the output leaves.
 */
export function buildSheriffMessages(input: SheriffContextInput): TextMessage[] {
  const total = Math.floor(input.budgetTokens * CHARS_PER_TOKEN);
  const system = sheriffSystemPrompt(input.prompts);
  const closing = 'Answer with the JSON object.';
  const room = new Room(total - system.length - closing.length - 2);
  const task = room.take(fit((b) => b, renderTask(input.task), Math.max(room.left * 0.3, 400), 'head'));
  const meta = room.take(checkMeta(input));
  const visual = input.visual ? room.take(visualSection(input.visual, room.left * VISUAL_SHARE)) : '';

  const c = input.check;
  let head = stripAnsi(c.head).trimEnd();
  let tail = stripAnsi(c.tail).trimEnd();
  if (tail && (head === tail || head.endsWith(tail))) tail = '';
  // An output the executor did not cut arrives whole in `head`: its end matters as much as its start.
  const whole = tail ? '' : head;
  if (whole) head = '';
  const diffs = diffSections(input);
  // Each part's fair share first, then what one leaves goes to the others: tail, diff, head.
  const avail = Math.max(0, room.left - 120);
  const size = (t: string, extra: number) => (t ? t.length + extra : 0);
  const want = { tail: size(tail || whole, 40), head: size(head, 40), diff: diffs.size };
  const give = {
    tail: Math.min(want.tail, avail * (whole ? 0.45 : 0.3)),
    head: Math.min(want.head, avail * 0.15),
    diff: 0,
  };
  give.diff = Math.min(want.diff, avail - give.tail - give.head);
  let spare = avail - give.tail - give.head - give.diff;
  for (const k of ['tail', 'diff', 'head'] as const) {
    const more = Math.min(spare, want[k] - give[k]);
    give[k] += more;
    spare -= more;
  }
  const block = (b: string) => fenced(b);
  const tailPart = whole
    ? room.section('## Output', whole, give.tail, 'ends', block)
    : tail
      ? room.section('## Output (tail)', tail, give.tail, 'tail', block)
      : '';
  const diffPart = diffs.render(room, give.diff);
  const headPart = head ? room.section('## Output (head)', head, give.head, 'head', block) : '';
  const output =
    headPart || tailPart ? [headPart, tailPart].filter(Boolean).join('\n\n') : '## Output\n(none)';

  const user = [task, meta, visual, output, diffPart, closing].filter(Boolean).join('\n\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

/** The visual section within `max` characters: the descriptions shrink until it fits. */
function visualSection(look: VisualLook, max: number): string {
  let per = 3000;
  let text = renderVisual(look, per);
  while (text.length > max && per > 100) {
    per = Math.floor(per / 2);
    text = renderVisual(look, per);
  }
  // Still too long (very many errors or viewports): its head, where the viewports are.
  return text.length <= max ? text : text.slice(0, Math.max(0, Math.floor(max)));
}

function checkMeta(input: SheriffContextInput): string {
  const c = input.check;
  const script = input.task.mode === 'script';
  const lines = [
    '# The check',
    script
      ? `This is a script task: there is no check command; the orchestrator ran the Coder's script with \`${c.command}\`.`
      : `The orchestrator ran \`${c.command}\`.`,
  ];
  if (c.timedOut) lines.push('It timed out and was killed: the attempt failed.');
  else if (c.exitCode === null)
    lines.push('It did not finish (killed by a signal or never started): the attempt failed.');
  else lines.push(`Exit code: ${c.exitCode}${c.exitCode === 0 ? '' : ' (the attempt failed)'}.`);
  return lines.join('\n');
}

const WHOLE = "# The task's whole change against its base";
const PART = "# This attempt's part of it";

/**
 * The diffs the Sheriff judges by. The whole change decides whether the task is done, so it comes
 * first and keeps at least 60% of the room; this attempt's part (what the Coder just did, which
 * the verdict's fix is about) follows when earlier attempts changed things too.
 */
function diffSections(input: SheriffContextInput): {
  size: number;
  render: (room: Room, max: number) => string;
} {
  const clean = (d: string | undefined) => (d?.trim() ? d.replace(/\n$/, '') : '');
  const part = clean(input.diff);
  const all = input.wholeDiff === undefined ? part : clean(input.wholeDiff);
  const onlyOne = all === part;
  const section = (header: string, body: string, empty: string, max: number) =>
    body ? fit((b) => `${header}\n${fenced(b, 'diff')}`, body, max, 'head', trimDiff) : `${header}\n${empty}`;
  const wholeHeader = onlyOne
    ? `${WHOLE} (all of it from this attempt)`
    : `${WHOLE} (earlier attempts included)`;
  // A section costs its header and fence besides the diff itself.
  const cost = (header: string, body: string) => (body ? body.length + header.length + 20 : 0);
  const wholeWant = cost(wholeHeader, all);
  const partWant = onlyOne ? 0 : cost(PART, part);
  const size = wholeWant + partWant;
  return {
    size,
    render: (room, max) => {
      if (onlyOne) return room.take(section(wholeHeader, all, '(no changes)', max));
      const wholeMax = Math.max(max * 0.6, max - partWant);
      const first = room.take(
        section(wholeHeader, all, '(no changes: earlier attempts were undone)', wholeMax),
      );
      const second = room.take(section(PART, part, '(this attempt changed nothing)', max - first.length - 2));
      return [first, second].filter(Boolean).join('\n\n');
    },
  };
}
