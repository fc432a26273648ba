import { openRepo, type Repo } from '../../src/git/repo.js';
import { createTask } from '../../src/tasks/create.js';
import { TaskWorkspace } from '../../src/tasks/workspace.js';
import { appendEvent } from '../../src/tasks/record.js';
import { writeFiles } from './git-repo.js';
import { W } from './engine.js';

/** The Coder's system prompt as the log holds it: long, and the same in every turn. */
export const SYSTEM_PROMPT =
  'You are the Coder in an automated coding loop.\nRules:\n- Make the smallest change.';

const usage = (prompt: number, completion: number) => ({
  promptTokens: prompt,
  completionTokens: completion,
  cachedTokens: 0,
  estimated: false,
});

/**
 * A task whose event log reads like a real run, written the way the runner writes it: for each
 * attempt a Coder prompt and a tool-call reply, the step commit, a text reply, the check, the
 * Sheriff's prompt and reply, the verdict and the attempt commit. Attempts fail until the last,
 * which passes. The Coder's text carries an escape sequence, to be shown, never obeyed.
 */
export async function recordedRun(dir: string, attempts = 2): Promise<{ repo: Repo; id: number }> {
  const repo = await openRepo(dir);
  const { record } = await createTask(repo, W, { title: 'Fix the pager' });
  const id = record.id;
  const ws = await TaskWorkspace.open(repo, id, W);
  try {
    await appendEvent(repo, id, 'status', { status: 'running' });
    for (let n = 1; n <= attempts; n++) {
      const attempt = await ws.nextAttempt();
      const passed = n === attempts;
      await appendEvent(repo, id, 'prompt', {
        attempt,
        role: 'coder',
        messages: [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: 'Task: Fix the pager' },
        ],
      });
      await appendEvent(repo, id, 'reply', {
        attempt,
        role: 'coder',
        content: '',
        reasoning: 'thinking hard',
        toolCalls: [
          { id: 'c1', name: 'write_file', arguments: JSON.stringify({ path: 'src/pager.js', content: 'x' }) },
        ],
        usage: usage(1200, 30),
        finishReason: 'tool_calls',
      });
      await writeFiles(ws.worktree, { 'src/pager.js': `// attempt ${n}\n` });
      const commit = await ws.commitStep({ attempt, step: 1, tool: 'write_file', paths: ['src/pager.js'] });
      await appendEvent(repo, id, 'edit', {
        attempt,
        step: 1,
        tool: 'write_file',
        paths: ['src/pager.js'],
        ok: true,
        output: 'wrote src/pager.js',
        commit,
      });
      await appendEvent(repo, id, 'reply', {
        attempt,
        role: 'coder',
        content: `\n  Pages start at 1 now.\x1b[2J\nSecond line of prose.`,
        reasoning: '',
        toolCalls: [],
        usage: usage(1250, 12),
        finishReason: 'stop',
      });
      await appendEvent(repo, id, 'check', {
        attempt,
        command: 'npm test',
        exitCode: passed ? 0 : 1,
        timedOut: false,
        durationMs: 420,
        output: passed ? 'ok 2 tests\n' : 'not ok 1 - page 1 holds the first items\n',
        truncatedBytes: 0,
      });
      await appendEvent(repo, id, 'prompt', {
        attempt,
        role: 'sheriff',
        messages: [{ role: 'system', content: 'You are the Sheriff.' }],
      });
      await appendEvent(repo, id, 'reply', {
        attempt,
        role: 'sheriff',
        content: passed ? 'VERDICT: PASS' : 'VERDICT: FAIL',
        reasoning: '',
        toolCalls: [],
        usage: usage(400, 5),
        finishReason: 'stop',
      });
      await appendEvent(repo, id, 'verdict', {
        attempt,
        verdict: passed ? 'PASS' : 'FAIL',
        passed,
        reason: passed ? 'the check passed and the Sheriff agreed' : 'the check failed (exit 1)',
        sheriff: passed
          ? null
          : { analysis: 'The first page is skipped.\nMore words.', fix: 'Use page - 1.' },
      });
      await ws.commitAttempt({
        attempt,
        checkExit: passed ? 0 : 1,
        verdict: passed ? 'PASS' : 'FAIL',
        durationMs: 900,
        outcome: passed ? 'passed' : 'failed',
      });
    }
    await appendEvent(repo, id, 'status', {
      status: 'passed',
      reason: 'the Sheriff agreed',
      outcome: 'passed',
    });
  } finally {
    await ws.close();
  }
  return { repo, id };
}
