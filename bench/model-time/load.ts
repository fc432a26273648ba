import type { ChatMessage, ChatResponse, ToolSpec } from '../../src/llm/types.js';
import type { CostModelOptions, Script } from '../../src/scripted-server/index.js';

/**
 * What factory sends a local model, in the shape the agent loop gives it (src/agent/loop.ts and
 * context*.ts): per attempt, a Coder turn (system prompt, then one user message with the task,
 * the repo map, the files, and from the second attempt the last check and the reviewer's report,
 * then a closing line), two tool rounds that append the answer and the tool result, the check,
 * then a Sheriff turn (its own prompt, the task, the check, the diff). Sizes are those of a
 * small real task at the default budget; the scripted tokenizer counts four characters a token.
 */
export const TASKS = 4;
export const ATTEMPTS = 3;
export const TOOL_ROUNDS = 2;

/**
 * A laptop-class machine serving a 7B model: prompts read at ~670 tokens/s, answers written at
 * ~33 tokens/s with one sequence, a batch step of k sequences costing 1 + 0.25 (k - 1) steps.
 * Slept at 1/100 of real time: one run of the load models about 7 minutes in about 4 seconds.
 */
export function costModel(slots: number, timeScale: number): CostModelOptions {
  return {
    slots,
    prefillMsPerToken: 1.5,
    decodeMsPerToken: 30,
    batchLimit: slots,
    batchStepCost: 0.25,
    timeScale,
  };
}

/** The check between the Coder and the Sheriff, in model ms (it runs outside the model). */
export const CHECK_MODEL_MS = 3000;

const text = (seed: string, tokens: number): string => {
  const unit = `${seed} `;
  return unit.repeat(Math.ceil((tokens * 4) / unit.length)).slice(0, tokens * 4);
};

const CODER_SYSTEM = `You are the Coder of factory. ${text('Rules for edits and tools.', 600)}`;
const SHERIFF_SYSTEM = `You are the Sheriff of factory, the reviewer. ${text('How to judge an attempt.', 400)}`;

export const TOOLS: ToolSpec[] = [
  { name: 'write_file', description: 'Write a whole file.', parameters: { type: 'object' } },
  { name: 'read_file', description: 'Read a file.', parameters: { type: 'object' } },
];

/** One task's stable context: its task text, its repo map and the files that matter. */
function taskParts(t: number) {
  return {
    task: `# Task: fix bug ${t} in the pager\n${text(`task ${t} description`, 300)}`,
    map: `# Repository map\n${text(`src/module-${t}.ts exports`, 2000)}`,
    files: (attempt: number) =>
      // The edited file comes last among the files: its content changes after each attempt.
      `# Files\n${text(`file ${t} unchanged`, 5500)}\n## src/pager.ts (after ${attempt - 1} attempts)\n${text(`pager v${attempt}`, 600)}`,
  };
}

export function coderMessages(t: number, attempt: number): ChatMessage[] {
  const p = taskParts(t);
  const retry =
    attempt > 1
      ? [
          `# Last check\n\`npm test\` failed with exit code 1.\n${text(`failure ${attempt} of task ${t}`, 500)}`,
          `# The reviewer's report on the last attempt\nVerdict: FAIL\n${text(`fix ${attempt}`, 150)}`,
        ]
      : [];
  const closing = `Attempt ${attempt}: ${attempt > 1 ? 'the last attempt did not pass.' : 'reply with your edits.'}`;
  return [
    { role: 'system', content: CODER_SYSTEM },
    { role: 'user', content: [p.task, p.map, p.files(attempt), ...retry, closing].join('\n\n') },
  ];
}

/** A tool round: the conversation so far, the answer as factory echoes it, and the tool's result. */
export function toolRound(convo: ChatMessage[], answer: ChatResponse, round: number): ChatMessage[] {
  const calls = answer.toolCalls;
  return [
    ...convo,
    { role: 'assistant', content: answer.content, toolCalls: calls },
    ...calls.map((c) => ({
      role: 'tool' as const,
      toolCallId: c.id,
      content: `wrote src/pager.ts (round ${round}). ${text('ok', 50)}`,
    })),
  ];
}

export function sheriffMessages(t: number, attempt: number): ChatMessage[] {
  const p = taskParts(t);
  return [
    { role: 'system', content: SHERIFF_SYSTEM },
    {
      role: 'user',
      content: [
        p.task,
        `# The check\nThe orchestrator ran \`npm test\`.\nExit code: 1 (the attempt failed).`,
        `## Output (tail)\n${text(`failure ${attempt} of task ${t}`, 600)}`,
        `# The diff of the attempt\n${text(`diff ${attempt} of ${t}`, 1500)}`,
        'Answer with the JSON object.',
      ].join('\n\n'),
    },
  ];
}

/**
 * Answers: every Coder request is answered with a write_file call of ~150 tokens (the loop stops
 * after its tool rounds, as `agent.maxToolRounds` stops the real one), the Sheriff with a verdict
 * of ~120 tokens.
 */
export const SCRIPT: Script = {
  replies: [
    {
      match: { system: 'Sheriff' },
      content: `{"verdict":"FAIL","analysis":"${text('the test still fails', 110)}"}`,
    },
    {
      match: { system: 'Coder' },
      toolCalls: [{ name: 'write_file', arguments: { path: 'src/pager.ts', content: text('code', 140) } }],
    },
  ],
};
