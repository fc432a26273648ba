import type { TaskSpec } from '../types.js';
import { keepEnds, keepHead, keepTail } from './text.js';

export type Keep = 'head' | 'tail' | 'ends';
const KEEP = { head: keepHead, tail: keepTail, ends: keepEnds };

/** Sections of a context are joined by a blank line. */
const SEP = 2;

/** What is left of a context's character budget as sections are added in priority order. */
export class Room {
  constructor(public left: number) {}

  /** Counts `text` as used (even past the budget: the task is always shown) and returns it. */
  take(text: string): string {
    if (text) this.left -= text.length + SEP;
    return text;
  }

  /** `header` then `body` trimmed (keeping its head, tail or both ends) to fit `cap` and what is left. */
  section(
    header: string,
    body: string,
    cap: number,
    keep: Keep,
    wrap: (body: string) => string = (b) => b,
  ): string {
    const max = Math.floor(Math.min(cap, this.left)) - SEP;
    return this.take(fit((b) => `${header}\n${wrap(b)}`, body, max, keep));
  }
}

/**
 * `render(body)` within `max` characters, trimming the body (by `trim`, or keeping its head, tail
 * or both ends) until the rendering fits; '' when it cannot.
 */
export function fit(
  render: (body: string) => string,
  body: string,
  max: number,
  keep: Keep,
  trim?: (text: string, max: number) => string,
): string {
  const cut = trim ?? KEEP[keep];
  let b = body;
  for (let i = 0; i < 4; i++) {
    const out = render(b);
    if (out.length <= max) return out;
    const target = b.length - (out.length - max) - i * 8;
    if (target <= 0) return '';
    b = cut(body, target);
    if (!b) return '';
  }
  return '';
}

/** The task as the personas read it: title, description, constraints. */
export function renderTask(task: TaskSpec): string {
  const title = task.title.trim();
  const desc = task.description.trim();
  const lines = [
    !desc || desc === title ? `# Task: ${title}` : desc.startsWith(title) ? '# Task' : `# Task: ${title}`,
  ];
  if (desc && desc !== title) lines.push(desc);
  if (task.constraints.length)
    lines.push('', 'Constraints:', ...task.constraints.map((c) => `- ${c.trim()}`));
  if (task.designSpec?.trim())
    lines.push('', 'Design spec (what the result must look like):', task.designSpec.trim());
  return lines.join('\n');
}
