import { z } from 'zod';
import type { SheriffReport } from './types.js';

const text = z
  .union([z.string(), z.array(z.string()).transform((a) => a.join('\n'))])
  .nullish()
  .transform((v) => (v ?? '').trim());

const reportSchema = z.object({
  verdict: z
    .string()
    .transform((v) => v.trim().toUpperCase())
    .pipe(z.enum(['PASS', 'FAIL'])),
  analysis: text,
  fix: text,
});

/**
 * The Sheriff's report out of its reply: a JSON object `{"verdict","analysis","fix"}` (bare,
 * in a ```json fence or amid prose; the last valid one wins), else a line `VERDICT: PASS` or
 * `VERDICT: FAIL` (any case, markdown emphasis allowed) with the rest as the analysis (and a
 * `Fix:` line onwards as the fix). Anything else is no verdict: null.
 */
export function parseSheriff(reply: string): SheriffReport | null {
  const body = stripThinking(reply);
  return fromJson(body) ?? fromVerdictLine(body);
}

/** Reasoning written inline must not count: it may weigh "VERDICT: PASS" before deciding. */
export function stripThinking(reply: string): string {
  const closed = reply.replace(/<think>[\s\S]*?<\/think>/gi, '');
  const lone = closed.lastIndexOf('</think>');
  return lone >= 0 ? closed.slice(lone + '</think>'.length) : closed;
}

function fromJson(body: string): SheriffReport | null {
  let best: { report: SheriffReport; start: number; end: number } | null = null;
  for (const c of jsonObjects(body)) {
    const report = parseReport(c.text);
    // The last object wins (a model may think aloud first); of nested ones, the outermost.
    if (report && (!best || c.end > best.end || (c.end === best.end && c.start < best.start)))
      best = { report, ...c };
  }
  return best?.report ?? null;
}

function parseReport(json: string): SheriffReport | null {
  for (const candidate of [json, repairJson(json)]) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    const r = reportSchema.safeParse(lowerKeys(value));
    return r.success ? r.data : null;
  }
  return null;
}

/** `{"Verdict": …}` from a model that capitalised the keys. */
function lowerKeys(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toLowerCase(), v]));
}

/**
 * Every balanced `{…}` in the text (strings and escapes respected), from each opening brace, so
 * a stray brace in the prose before the JSON does not hide it.
 */
export function jsonObjects(
  body: string,
  maxStarts = 200,
): Array<{ text: string; start: number; end: number }> {
  const out: Array<{ text: string; start: number; end: number }> = [];
  let starts = 0;
  for (let s = body.indexOf('{'); s >= 0 && starts < maxStarts; s = body.indexOf('{', s + 1), starts++) {
    const end = matchingBrace(body, s);
    if (end > 0) out.push({ text: body.slice(s, end + 1), start: s, end });
  }
  return out;
}

function matchingBrace(body: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < body.length; i++) {
    const ch = body[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i;
  }
  return -1;
}

/** What small models get wrong most: raw newlines inside strings and trailing commas. */
function repairJson(json: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const ch = json[i]!;
    if (inString) {
      if (ch === '\\') {
        out += ch + (json[i + 1] ?? '');
        i++;
        continue;
      }
      if (ch === '"') inString = false;
      out += ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : ch === '\t' ? '\\t' : ch;
      continue;
    }
    if (ch === '"') inString = true;
    out += ch;
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

const VERDICT_LINE = /^[\s>#*_`-]*verdict[\s*_`]*[:=-]?[\s*_`]*(pass|fail)\b(.*)$/i;
const FIX_LINE = /^[\s>#*_`-]*(?:suggested\s+)?fix[\s*_`]*:[\s*_`]*/i;

function fromVerdictLine(body: string): SheriffReport | null {
  const lines = body.split(/\r?\n/);
  let at = -1;
  let verdict: 'PASS' | 'FAIL' | null = null;
  let said = '';
  for (const [i, line] of lines.entries()) {
    const m = VERDICT_LINE.exec(line);
    if (!m) continue;
    at = i;
    verdict = m[1]!.toUpperCase() as 'PASS' | 'FAIL';
    said = m[2]!.replace(/^[\s*_`.:;,!—–-]+/, '').replace(/[\s*_`]+$/, '');
  }
  if (!verdict) return null;
  const rest = [...(said ? [said] : []), ...lines.filter((_, i) => i !== at)];
  const fixAt = rest.findIndex((l) => FIX_LINE.test(l));
  const analysis = (fixAt >= 0 ? rest.slice(0, fixAt) : rest).join('\n').trim();
  const fix =
    fixAt >= 0 ? [rest[fixAt]!.replace(FIX_LINE, ''), ...rest.slice(fixAt + 1)].join('\n').trim() : '';
  return { verdict, analysis, fix };
}

export interface DecideInput {
  /** The check's exit code (the script's, in a script task); null when it timed out or was killed. */
  checkExit: number | null;
  /** False for a script task: no check command, the orchestrator ran the Coder's script. */
  hasCheck: boolean;
  sheriff: SheriffReport | null;
  /** Set when the Sheriff's call failed (unreachable, timed out): the gate alone decides. */
  sheriffError?: string;
}

export interface Decision {
  passed: boolean;
  /** The attempt's verdict: PASS or FAIL, or NONE when it passed on the exit code alone. */
  verdict: 'PASS' | 'FAIL' | 'NONE';
  reason: string;
}

/**
 * Whether an attempt passed. The exit code is the gate: a failing check (non-zero, timed out,
 * killed) never passes, whatever the Sheriff says. With a passing gate the Sheriff's FAIL stops
 * the attempt from passing; with no verdict or a failed Sheriff call the gate alone decides.
 */
export function decide(input: DecideInput): Decision {
  const what = input.hasCheck ? 'the check' : 'the script';
  const says = input.sheriff ? brief(input.sheriff) : '';
  if (input.checkExit !== 0) {
    const how =
      input.checkExit === null ? 'did not finish (timed out or killed)' : `failed (exit ${input.checkExit})`;
    const overruled =
      input.sheriff?.verdict === 'PASS' ? "; the Sheriff's PASS does not count against it" : '';
    return { passed: false, verdict: 'FAIL', reason: `${what} ${how}${overruled}` };
  }
  if (input.sheriffError)
    return {
      passed: true,
      verdict: 'NONE',
      reason: `${what} passed (exit 0); the Sheriff's call failed (${oneLine(input.sheriffError)}), so the exit code alone decided`,
    };
  if (!input.sheriff)
    return {
      passed: true,
      verdict: 'NONE',
      reason: `${what} passed (exit 0); the Sheriff gave no verdict, so the exit code alone decided`,
    };
  if (input.sheriff.verdict === 'FAIL')
    return {
      passed: false,
      verdict: 'FAIL',
      reason: input.hasCheck
        ? `the check passed, but the Sheriff says FAIL${says}`
        : `the script ran (exit 0), but the Sheriff says FAIL${says}`,
    };
  return {
    passed: true,
    verdict: 'PASS',
    reason: input.hasCheck
      ? 'the check passed (exit 0) and the Sheriff agrees'
      : 'the script ran (exit 0) and the Sheriff judged its result correct',
  };
}

function brief(r: SheriffReport): string {
  const s = oneLine(r.analysis);
  return s ? `: ${s.length > 200 ? `${s.slice(0, 199)}…` : s}` : '';
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
