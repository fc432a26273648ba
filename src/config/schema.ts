import { z } from 'zod';
import { globProblem } from '../glob.js';

/*
 * zod compiles a parser for each object schema (new Function) the first time it parses one: that
 * pays off over thousands of parses, but factory parses its configuration a few times per run,
 * and the compiling was a tenth of `factory list`'s start-up. Set before any schema is made:
 * each object schema reads it when it is created.
 */
z.config({ jitless: true });

/*
 * Every schema carries its own `error` text so a failure reads "expected <what>", which the loader
 * completes with the file, the field and the value it got. zod's generic messages would not say
 * which kind of number or string is wanted.
 */

/*
 * Every number has a range: a value far out of it is a typo or a unit mix-up (milliseconds for
 * seconds), and some would break silently (a timeout past 2^31 ms fires at once). The message
 * names the range, and the loader adds the field and the value.
 */
const intIn = (min: number, max: number, what = 'an integer') => {
  const error = `expected ${what} from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

const numberIn = (min: number, max: number, what: string, exclusiveMin = false) => {
  const error = `expected ${what} ${exclusiveMin ? `above ${min} and up to` : `from ${min} to`} ${max}`;
  const n = z.number({ error }).max(max, { error });
  return exclusiveMin ? n.gt(min, { error }) : n.min(min, { error });
};

/** Seconds a timeout may be: a day at most, far below what a timer can hold (24.8 days). */
export const MAX_TIMEOUT_SECONDS = 86_400;
export const MAX_ATTEMPTS = 100;

const nonEmptyString = (error = 'expected a non-empty string') => z.string({ error }).min(1, { error });

const httpURL = () => {
  const error = 'expected an http(s) URL such as "http://127.0.0.1:8080/v1"';
  return z.url({ protocol: /^https?$/, error });
};

const pathList = () =>
  z.array(nonEmptyString('expected a non-empty path'), { error: 'expected an array of paths' });

/** GB (2^30 bytes) a model server needs, or null: estimated from its model files (src/llm/model-memory.ts). */
const memoryGB = () => numberIn(0, 1_000_000, 'a number of GB', true).nullable().default(null);

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

/** Where a visual-check page may be: http(s) with `{port}` for the task's port, or a file in the worktree. */
const VISUAL_URL_ERROR =
  'expected an http(s) URL such as "http://127.0.0.1:{port}/" or a file in the worktree such as "file://index.html"';

/** Why `url` cannot be a visual check's page, or null. `{port}` stands for a number here. */
export function visualUrlProblem(url: string): string | null {
  if (url.startsWith('file://')) {
    const file = url.slice('file://'.length).split(/[?#]/)[0]!;
    if (file === '') return 'a file:// url needs a file, e.g. "file://index.html"';
    if (file.startsWith('/') || /^[a-z]:/i.test(file) || file.startsWith('~'))
      return `a file:// url is relative to the worktree, e.g. "file://index.html", got ${JSON.stringify(url)}`;
    if (file.split(/[\\/]/).includes('..'))
      return `a file:// url must stay inside the worktree: ".." is not allowed, got ${JSON.stringify(url)}`;
    return null;
  }
  try {
    const parsed = new URL(url.replaceAll('{port}', '1'));
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return null;
  } catch {
    // Reported below.
  }
  return `${VISUAL_URL_ERROR}, got ${JSON.stringify(url)}`;
}

/** A viewport's name names its screenshot file, so it is kept to file-name characters. */
const VIEWPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
/** Pixels per side: a watch face to a 8K screen; Chromium's own limit is far above. */
const MIN_VIEWPORT = 100;
const MAX_VIEWPORT = 8192;

const viewportSchema = z
  .strictObject(
    {
      name: z
        .string({ error: 'expected a name of letters, digits, "-" and "_" (at most 32)' })
        .regex(VIEWPORT_NAME, { error: 'expected a name of letters, digits, "-" and "_" (at most 32)' })
        .describe('Names the viewport in screenshots (`<name>.png`) and reports, e.g. "phone".'),
      width: intIn(MIN_VIEWPORT, MAX_VIEWPORT, 'a number of pixels').describe('Width in CSS pixels.'),
      height: intIn(MIN_VIEWPORT, MAX_VIEWPORT, 'a number of pixels').describe('Height in CSS pixels.'),
      mobile: z
        .boolean({ error: 'expected true or false' })
        .default(false)
        .describe('Emulate a phone: mobile meta viewport and touch events.'),
    },
    { error: 'expected an object with "name", "width", "height" and optional "mobile"' },
  )
  .describe('One screen size the page is captured at.');

const visualSchema = z
  .strictObject(
    {
      start: nonEmptyString('expected a shell command or null')
        .nullable()
        .default(null)
        .describe(
          'Shell command that serves the app, run in the task worktree inside the OS sandbox (with the network ' +
            'on, so the browser reaches it); {port} is replaced by a free port factory picks per task, also ' +
            'given as $PORT. null: nothing to start (a static page with a file:// url).',
        ),
      url: z
        .string({ error: VISUAL_URL_ERROR })
        .superRefine((url, ctx) => {
          const problem = visualUrlProblem(url);
          // The loader adds the value itself; the problem may already name it.
          if (problem) ctx.addIssue({ code: 'custom', message: problem.replace(/, got .*$/, '') });
        })
        .default('http://127.0.0.1:{port}/')
        .describe(
          'The page to capture: an http(s) URL ({port} as in start), or "file://<path>" relative to the ' +
            'task worktree for a static page.',
        ),
      ready: z
        .string({ error: 'expected a path starting with "/"' })
        .regex(/^\//, { error: 'expected a path starting with "/"' })
        .default('/')
        .describe("Path on the url's server polled after start until it answers (any status below 500)."),
      readyTimeout: numberIn(1, MAX_TIMEOUT_SECONDS, 'a number of seconds')
        .default(60)
        .describe('Seconds the app may take to answer on `ready` before the start counts as failed.'),
      viewports: z
        .array(viewportSchema, { error: 'expected an array of {"name", "width", "height"} objects' })
        .min(1, { error: 'expected at least one viewport' })
        .max(16, { error: 'expected at most 16 viewports' })
        .superRefine((list, ctx) => {
          const seen = new Set<string>();
          list.forEach((v, i) => {
            if (seen.has(v.name))
              ctx.addIssue({
                code: 'custom',
                path: [i, 'name'],
                message: `expected a name no other viewport has ("${v.name}" is used twice)`,
              });
            seen.add(v.name);
          });
        })
        .default([
          { name: 'desktop', width: 1280, height: 800, mobile: false },
          { name: 'phone', width: 390, height: 844, mobile: true },
        ])
        .describe('Screen sizes each capture takes, one screenshot each (never a full-page capture).'),
      describer: z
        .strictObject(
          {
            baseURL: httpURL()
              .nullable()
              .default(null)
              .describe(
                'OpenAI-compatible base URL of the vision model. null: the main server (server.baseURL).',
              ),
            model: nonEmptyString('expected a model name or null')
              .nullable()
              .default(null)
              .describe('The vision model that describes screenshots. null: server.model.'),
            apiKey: z
              .string({ error: 'expected a string or null' })
              .nullable()
              .default(null)
              .describe(
                'API key for the describer. null: server.apiKey on the main server, "local" on its own baseURL.',
              ),
            command: z
              .array(nonEmptyString('expected a non-empty string'), {
                error: 'expected an array of strings (the program and its arguments) or null',
              })
              .min(1, { error: 'expected an array of strings (the program and its arguments) or null' })
              .nullable()
              .default(null)
              .describe(
                "Command that starts the describer's model server, as server.command ({model}, {host}, {port}); " +
                  "`factory server start` runs it behind a second queue front on the describer's own baseURL. " +
                  'null: factory starts no describer.',
              ),
            memory: memoryGB().describe(
              "GB of memory the describer's model server needs. null: estimated from the model's files.",
            ),
          },
          { error: 'expected an object with "baseURL", "model", "apiKey", "command" and/or "memory"' },
        )
        .prefault({})
        .describe('The small vision model that only describes each screenshot; it never judges.'),
      paths: z
        .array(
          nonEmptyString('expected a glob pattern').superRefine((p, ctx) => {
            const problem = globProblem(p);
            if (problem) ctx.addIssue({ code: 'custom', message: `expected a glob pattern (${problem})` });
          }),
          { error: 'expected an array of glob patterns' },
        )
        .default(['**/*.html', '**/*.css', '**/*.scss', '**/*.jsx', '**/*.tsx', '**/*.vue', '**/*.svelte'])
        .describe(
          'A task whose change touches a file matching one of these globs gets the visual check without ' +
            'asking (`*`, `**`, `?`, `{a,b}`; a pattern without "/" matches at any depth). [] : only tasks ' +
            'that ask (visual: true, --visual).',
        ),
      browser: nonEmptyString('expected a path to Chromium or Chrome, or null')
        .nullable()
        .default(null)
        .describe('Chromium or Chrome to capture with. null: the first one found on PATH.'),
    },
    { error: 'expected an object, or null' },
  )
  .nullable()
  .default(null)
  .describe(
    'The visual check: after a passing check, start the app, screenshot it at each viewport and have a ' +
      'vision model describe it for the Sheriff. null: no visual check.',
  );

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
