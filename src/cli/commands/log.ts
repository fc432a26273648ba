import type { Command } from 'commander';
import { action, emit } from '../action.js';
import { openContext } from '../context.js';
import { parseAddress } from '../../tasks/address.js';
import { readEvents, readRecord, type TaskEvent } from '../../tasks/record.js';
import { refuse } from '../../errors.js';

function indent(text: string, prefix = '  '): string {
  return text
    .split('\n')
    .map((l) => `${prefix}${l}`)
    .join('\n');
}

/** One event of the log as transcript text. */
export function transcriptOf(e: TaskEvent): string | null {
  const at = e.attempt !== undefined ? `[${e.attempt}] ` : '';
  switch (e.type) {
    case 'created':
      return `created from ${String(e.base).slice(0, 10)} on ${e.branch}`;
    case 'status':
      return `status: ${e.status}${e.reason ? ` (${e.reason})` : ''}`;
    case 'feedback':
      return `feedback from you:\n${indent(String(e.text))}`;
    case 'prompt': {
      const messages = (e.messages as { role: string; content: string }[]) ?? [];
      return `${at}prompt to the ${e.role}:\n${messages.map((m) => `  --- ${m.role}\n${indent(m.content, '  ')}`).join('\n')}`;
    }
    case 'reply': {
      const parts = [`${at}${e.role} replied (finish ${e.finishReason ?? '-'}):`];
      if (e.reasoning) parts.push(`  (reasoning)\n${indent(String(e.reasoning), '  | ')}`);
      if (e.content) parts.push(indent(String(e.content)));
      const calls = (e.toolCalls as { name: string; arguments: string }[]) ?? [];
      for (const c of calls) parts.push(`  tool call ${c.name} ${c.arguments}`);
      return parts.join('\n');
    }
    case 'edit':
      return `${at}${e.ok ? 'applied' : 'refused'} ${e.tool} ${(e.paths as string[]).join(', ')}${e.commit ? ` (step ${e.step}, ${String(e.commit).slice(0, 10)})` : ''}${e.ok ? '' : `: ${e.output}`}`;
    case 'check':
      return `${at}check \`${e.command}\`: ${e.timedOut ? 'timed out' : `exit ${e.exitCode}`} in ${e.durationMs} ms\n${indent(String(e.output ?? ''), '  | ')}`;
    case 'verdict': {
      const s = e.sheriff as { analysis?: string; fix?: string } | null;
      return `${at}verdict ${e.verdict}: ${e.passed ? 'passed' : 'not passed'} (${e.reason})${s?.analysis ? `\n  analysis: ${s.analysis}` : ''}${s?.fix ? `\n  fix: ${s.fix}` : ''}`;
    }
    case 'oversized':
      return `(an event of ${e.bytes} bytes was too large to show)`;
    case 'attempt':
      return `${at}attempt recorded as ${e.outcome} (${String(e.commit).slice(0, 10)}, ${e.durationMs} ms)`;
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
        emit(o.json, events, () =>
          [
            `task ${rec.id}: ${rec.title}`,
            ...events.map(transcriptOf).filter((l): l is string => l !== null),
          ].join('\n'),
        );
      }),
    );
}
