import type { Command } from 'commander';
import { action, emit } from '../action.js';
import { openContext } from '../context.js';
import { parseAddress } from '../../tasks/address.js';
import { readEvents, readRecord } from '../../tasks/record.js';
import { refuse } from '../../errors.js';
import { taskStatus } from '../../tasks/status.js';
import { transcriptLines } from '../../tasks/transcript.js';
import { visible } from '../../visible.js';

export function register(program: Command): void {
  program
    .command('log')
    .description("print a task's transcript: prompts, replies, edits, checks and verdicts")
    .argument('<task>', 'task id')
    .option('--short', 'one line per reply, step, check and verdict, without the prompts')
    .option('--json', 'print the raw event log as JSON')
    .action(
      action(async (task: string, o: { json?: boolean; short?: boolean }) => {
        if (o.json && o.short)
          throw refuse('--short and --json do not go together', '--json prints every event as it was logged');
        const { repo } = await openContext();
        const addr = await parseAddress(repo, task);
        if (addr.attempt !== undefined) throw refuse(`log takes a task id, not ${task}`);
        const rec = await readRecord(repo, addr.task);
        const events = await readEvents(repo, addr.task);
        const now = await taskStatus(repo, addr.task, events);
        emit(o.json, events, () =>
          [
            `task ${rec.id}: ${visible(rec.title)}`,
            `status: ${now.status}${now.detail ? ` (${visible(now.detail)})` : ''}`,
            ...transcriptLines(events, { short: o.short }),
          ].join('\n'),
        );
      }),
    );
}
