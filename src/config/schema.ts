import { z } from 'zod';
import {
  MAX_ATTEMPTS,
  MAX_TIMEOUT_SECONDS,
  httpURL,
  intIn,
  memoryGB,
  nonEmptyString,
  numberIn,
  pathList,
} from './schema-parts.js';
import { visualSchema } from './visual-schema.js';

export { MAX_ATTEMPTS, MAX_TIMEOUT_SECONDS } from './schema-parts.js';
export { visualUrlProblem } from './visual-schema.js';

const endpointSchema = z
  .strictObject(
    {
      baseURL: httpURL().describe(
        'OpenAI-compatible base URL of this server, e.g. "http://gpu-box:8000/v1".',
      ),
      concurrency: intIn(1, 256)
        .optional()
        .describe('Requests sent to this server at once; defaults to server.concurrency.'),
      contextSize: intIn(256, 10_000_000)
        .optional()
        .describe("This server's context in tokens per request; defaults to server.contextSize."),
    },
    { error: 'expected an object with "baseURL" and optional "concurrency"' },
  )
  .describe('One extra inference server.');

const serverSchema = z
  .strictObject(
    {
      baseURL: httpURL()
        .default('http://127.0.0.1:8080/v1')
        .describe(
          'OpenAI-compatible base URL every request goes to. When `command` is set, the queue front started by ' +
            '`factory server start` listens on this port and the model server runs behind it.',
        ),
      model: nonEmptyString()
        .default('mlx-community/Qwen2.5-Coder-7B-Instruct-4bit')
        .describe('Model name sent with every request; also replaces {model} in `command`.'),
      apiKey: z
        .string({ error: 'expected a string' })
        .default('local')
        .describe('API key sent as a bearer token; local servers ignore it.'),
      command: z
        .array(nonEmptyString('expected a non-empty string'), {
          error: 'expected an array of strings (the program and its arguments) or null',
        })
        .min(1, { error: 'expected an array of strings (the program and its arguments) or null' })
        .nullable()
        .default(['mlx_lm.server', '--model', '{model}', '--host', '{host}', '--port', '{port}'])
        .describe(
          'Command that starts the model server, as program and arguments. {model}, {host} and {port} are ' +
            "replaced; {port} is the model server's own port, behind the queue front on baseURL's port. " +
            'null: never start a server, use baseURL as it is.',
        ),
      concurrency: intIn(1, 256)
        .default(1)
        .describe('Requests sent to the model server at once (1 for mlx_lm.server).'),
      idleShutdown: numberIn(0, 10_080, 'a number of minutes')
        .default(10)
        .describe(
          'Minutes without requests after which a server started by factory stops; 0 keeps it running.',
        ),
      contextSize: intIn(256, 10_000_000)
        .nullable()
        .default(null)
        .describe(
          'Tokens one request may use (prompt and answer). null: asked of the server (llama-server /props, ' +
            'Ollama /api/show, LM Studio /api/v0/models, vLLM /v1/models); set it for mlx_lm.server, ' +
            'which has no fixed limit, or to override what the server says.',
        ),
      endpoints: z
        .array(endpointSchema, { error: 'expected an array of {"baseURL", "concurrency"} objects' })
        .default([])
        .describe(
          'Further servers pooled with baseURL by the request queue, for scale-out (vLLM, llama.cpp, Ollama).',
        ),
      memory: memoryGB().describe(
        'GB of memory the model server needs (weights, KV cache, runtime), for the check `factory server start` ' +
          "makes when it starts a describer too. null: estimated from the model's files.",
      ),
    },
    { error: 'expected an object' },
  )
  .prefault({})
  .describe('The inference server and how to reach it.');

const agentSchema = z
  .strictObject(
    {
      maxAttempts: intIn(1, MAX_ATTEMPTS)
        .default(5)
        .describe('Attempts (Coder turn, check, Sheriff verdict) before a task stops as failed.'),
      executionTimeout: numberIn(1, MAX_TIMEOUT_SECONDS, 'a number of seconds')
        .default(60)
        .describe('Seconds the check may run in one attempt before its whole process tree is killed.'),
      llmTimeout: numberIn(1, MAX_TIMEOUT_SECONDS, 'a number of seconds')
        .default(120)
        .describe(
          'Seconds a model request may go without receiving data once its answer has started (the idle ' +
            'clock); also the slack of the overall clock (twice the time maxTokensPerTurn takes at the ' +
            'measured speed, plus this).',
        ),
      firstTokenTimeout: numberIn(1, MAX_TIMEOUT_SECONDS, 'a number of seconds')
        .default(300)
        .describe(
          'Seconds a model request may wait for the first token of its answer (reading the prompt; time ' +
            "spent waiting in the factory server's queue does not count), plus 1 second per 25 prompt tokens; " +
            'never less than llmTimeout.',
        ),
      maxTokensPerTurn: intIn(16, 262_144)
        .default(8192)
        .describe(
          "max_tokens sent with a model request; less when the model's context leaves less room for the answer.",
        ),
      totalTokenBudget: intIn(1, 10_000_000_000)
        .default(100000)
        .describe(
          'Tokens (prompt + completion, as the server reports them) one task may use in all its turns.',
        ),
      temperature: z
        .number({ error: 'expected a number from 0 to 2' })
        .min(0, { error: 'expected a number from 0 to 2' })
        .max(2, { error: 'expected a number from 0 to 2' })
        .default(0)
        .describe('Sampling temperature of Coder and Sheriff requests.'),
      stagnationThreshold: intIn(1, MAX_ATTEMPTS)
        .default(3)
        .describe('A task stops when this many attempts in a row end with the same error output.'),
      runCommand: z
        .boolean({ error: 'expected true or false' })
        .default(false)
        .describe(
          'Offer the Coder a run_command tool (runs in the task worktree, in its own process group, with the ' +
            "check's scrubbed environment and executionTimeout). Off by default.",
        ),
      tools: z
        .enum(['auto', 'native', 'text'], { error: 'expected one of "auto", "native", "text"' })
        .default('auto')
        .describe(
          'How the Coder edits files: "native" tool calls, "text" edit blocks, or "auto" (native where the ' +
            'server supports them, else text).',
        ),
      prompts: z
        .strictObject(
          {
            coder: nonEmptyString('expected a path to a prompt file, or null')
              .nullable()
              .default(null)
              .describe('Prompt file for the Coder in repo tasks; null: the built-in one.'),
            coderScript: nonEmptyString('expected a path to a prompt file, or null')
              .nullable()
              .default(null)
              .describe('Prompt file for the Coder in script tasks; null: the built-in one.'),
            sheriff: nonEmptyString('expected a path to a prompt file, or null')
              .nullable()
              .default(null)
              .describe('Prompt file for the Sheriff; null: the built-in one.'),
            describer: nonEmptyString('expected a path to a prompt file, or null')
              .nullable()
              .default(null)
              .describe("Prompt file for the visual check's describer; null: the built-in one."),
            spec: nonEmptyString('expected a path to a prompt file, or null')
              .nullable()
              .default(null)
              .describe("Prompt file for a visual task's design spec; null: the built-in one."),
            planner: nonEmptyString('expected a path to a prompt file, or null')
              .nullable()
              .default(null)
              .describe('Prompt file for the planner of `factory task --plan`; null: the built-in one.'),
          },
          {
            error:
              'expected an object with "coder", "coderScript", "sheriff", "describer", "spec" and/or "planner" file paths',
          },
        )
        .prefault({})
        .describe(
          'Your own prompt files (relative to the repo root) in place of the built-in Coder and Sheriff prompts.',
        ),
    },
    { error: 'expected an object' },
  )
  .prefault({})
  .describe('The Coder -> check -> Sheriff loop and its limits.');

const worktreeSchema = z
  .strictObject(
    {
      dir: nonEmptyString('expected a directory path or null')
        .nullable()
        .default(null)
        .describe(
          'Directory holding task worktrees, relative to the repository top level. ' +
            'null: <git-common-dir>/factory/worktrees.',
        ),
      copy: pathList()
        .default([])
        .describe('Paths copied from the main worktree into each new worktree, e.g. untracked ".env" files.'),
      link: pathList()
        .default([])
        .describe('Paths symlinked from the main worktree into each new worktree, e.g. "node_modules".'),
      keep: pathList()
        .default([])
        .describe(
          'Untracked paths left in place when a pooled worktree is cleaned for reuse, e.g. build caches.',
        ),
      setup: nonEmptyString('expected a shell command or null')
        .nullable()
        .default(null)
        .describe(
          'Shell command run once in each new worktree after copy and link, e.g. "npm ci". null: none.',
        ),
      pool: intIn(0, 64)
        .default(2)
        .describe('Spare worktrees kept ready so a new task does not wait for checkout and setup; 0: none.'),
      maxFileSize: numberIn(0, 4096, 'a number of MiB', true)
        .default(5)
        .describe('Untracked files larger than this many MiB are left out of attempt commits.'),
    },
    { error: 'expected an object' },
  )
  .prefault({})
  .describe('Where task worktrees live and how they are prepared.');

const sandboxSchema = z
  .strictObject(
    {
      mode: z
        .enum(['auto', 'bwrap', 'seatbelt', 'none'], {
          error: 'expected one of "auto", "bwrap", "seatbelt", "none"',
        })
        .default('auto')
        .describe(
          'OS sandbox for the check, script tasks, run_command and worktree.setup: "bwrap" (Linux), "seatbelt" ' +
            '(macOS), "none", or "auto" (the best one available; a run without one says so). "sandbox": "none" ' +
            'is short for {"mode": "none"}.',
        ),
      writable: pathList()
        .default([])
        .describe(
          'Folders the sandboxed command may write besides the worktree and its private /tmp, e.g. "~/.cache/pip".',
        ),
      readable: pathList()
        .default([])
        .describe(
          '$HOME is an empty private folder in the sandbox; these paths stay readable, e.g. "~/.npmrc", "~/.cargo/registry".',
        ),
      network: z
        .boolean({ error: 'expected true or false' })
        .default(false)
        .describe(
          'Network for the check, scripts and run_command (e.g. a test database on localhost). Off by default.',
        ),
      setupNetwork: z
        .boolean({ error: 'expected true or false' })
        .default(true)
        .describe('Network for worktree.setup, which usually installs dependencies. On by default.'),
      envAllow: z
        .array(nonEmptyString('expected a variable name'), { error: 'expected an array of variable names' })
        .default([])
        .describe(
          'Variables passed on although they look secret, e.g. "DATABASE_URL" for a local test database.',
        ),
      envDeny: z
        .array(nonEmptyString('expected a variable name'), { error: 'expected an array of variable names' })
        .default([])
        .describe('More variables removed from the environment; "*" matches anything, e.g. "MYCORP_*".'),
    },
    { error: 'expected an object, or one of "auto", "bwrap", "seatbelt", "none"' },
  )
  .prefault({})
  .describe('The OS sandbox every command a model wrote runs in.');

export const configSchema = z
  .strictObject(
    {
      $schema: z
        .string({ error: 'expected a string' })
        .optional()
        .describe('Path or URL of this JSON Schema, for editors; factory ignores it.'),
      server: serverSchema,
      agent: agentSchema,
      check: nonEmptyString('expected a shell command or null')
        .nullable()
        .default('npm test')
        .describe(
          'Shell command run in the worktree after every attempt; exit code 0 passes. ' +
            'null: the repository has no check.',
        ),
      parallel: intIn(1, 64)
        .default(2)
        .describe('Tasks run at the same time; their model requests still share one queue.'),
      worktree: worktreeSchema,
      sandbox: sandboxSchema,
      visual: visualSchema,
    },
    { error: 'expected a JSON object' },
  )
  .describe('factory configuration (.factoryrc.json)');

/** The configuration after defaults are applied. */
export type Config = z.output<typeof configSchema>;

/** What a configuration file may contain: every field optional. */
export type ConfigInput = z.input<typeof configSchema>;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Frozen: it is shared, and a caller mutating it would change every later default. */
export const DEFAULT_CONFIG: Config = deepFreeze(configSchema.parse({}));
