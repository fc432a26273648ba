import type { Command } from 'commander';
import { action, emit } from '../action.js';
import { openContext } from '../context.js';
import { parseAddress } from '../../tasks/address.js';
import { readEvents, readRecord, type TaskEvent } from '../../tasks/record.js';
import { refuse } from '../../errors.js';
import { taskStatus } from '../../tasks/status.js';
import { visible } from '../../visible.js';

/** Model, check and title text for the transcript: lines kept, control characters shown. */
const text = (x: unknown) => visible(String(x ?? ''), { multiline: true });
/** The same, where it must stay on one line. */
const one = (x: unknown) => visible(String(x ?? ''));

function indent(t: string, prefix = '  '): string {
  return t
    .split('\n')
    .map((l) => `${prefix}${l}`)
    .join('\n');
}

/** One event of the log as transcript text. */
export function transcriptOf(e: TaskEvent): string | null {
  const at = e.attempt !== undefined ? `[${e.attempt}] ` : '';
  switch (e.type) {
    case 'created':
      return `created from ${String(e.base).slice(0, 10)} on ${one(e.branch)}`;
    case 'status':
      // A run's start and end: the task's status now is in the header, not in this line.
      return e.status === 'running'
        ? 'run started'
        : `run ended: ${one(e.status)}${e.reason ? ` (${one(e.reason)})` : ''}`;
    case 'feedback':
      return `feedback from you:\n${indent(text(e.text))}`;
    case 'prompt': {
      const messages = (e.messages as { role: string; content: string }[]) ?? [];
      return `${at}prompt to the ${one(e.role)}:\n${messages.map((m) => `  --- ${one(m.role)}\n${indent(text(m.content), '  ')}`).join('\n')}`;
    }
    case 'reply': {
      const parts = [`${at}${one(e.role)} replied (finish ${one(e.finishReason ?? '-')}):`];
      if (e.reasoning) parts.push(`  (reasoning)\n${indent(text(e.reasoning), '  | ')}`);
      if (e.content) parts.push(indent(text(e.content)));
      const calls = (e.toolCalls as { name: string; arguments: string }[]) ?? [];
      for (const c of calls) parts.push(`  tool call ${one(c.name)} ${one(c.arguments)}`);
      return parts.join('\n');
    }
    case 'edit':
      return `${at}${e.ok ? 'applied' : 'refused'} ${one(e.tool)} ${one((e.paths as string[]).join(', '))}${e.commit ? ` (step ${e.step}, ${String(e.commit).slice(0, 10)})` : ''}${e.ok ? '' : `: ${text(e.output)}`}`;
    case 'check':
      return `${at}check \`${one(e.command)}\`: ${e.timedOut ? 'timed out' : `exit ${e.exitCode}`} in ${e.durationMs} ms\n${indent(text(e.output), '  | ')}`;
    case 'verdict': {
      const s = e.sheriff as { analysis?: string; fix?: string } | null;
      return `${at}verdict ${one(e.verdict)}: ${e.passed ? 'passed' : 'not passed'} (${one(e.reason)})${s?.analysis ? `\n  analysis: ${text(s.analysis)}` : ''}${s?.fix ? `\n  fix: ${text(s.fix)}` : ''}`;
    }
    case 'oversized':
      return `(an event of ${e.bytes} bytes was too large to show)`;
    case 'attempt':
      return `${at}attempt recorded as ${one(e.outcome)} (${String(e.commit).slice(0, 10)}, ${e.durationMs} ms)`;
    default:
      return null;
  }
}

export function register(program: Command): void {
  program
    .command('log')
    .description("print a task's transcript: prompts, replies, edits, checks and verdicts")
    .argument('<task>', 'task id')
    .option('--json', 'print the raw event log as JSON')
    .action(
      action(async (task: string, o: { json?: boolean }) => {
        const { repo } = await openContext();
        const addr = await parseAddress(repo, task);
        if (addr.attempt !== undefined) throw refuse(`log takes a task id, not ${task}`);
        const rec = await readRecord(repo, addr.task);
        const events = await readEvents(repo, addr.task);
        const now = await taskStatus(repo, addr.task, events);
        emit(o.json, events, () =>
          [
            `task ${rec.id}: ${one(rec.title)}`,
            `status: ${now.status}${now.detail ? ` (${one(now.detail)})` : ''}`,
            ...events.map(transcriptOf).filter((l): l is string => l !== null),
          ].join('\n'),
        );
      }),
    );
}
