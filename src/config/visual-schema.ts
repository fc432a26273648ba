/**
 * The `visual` section of the configuration: the app to start, the pages, the screen sizes and
 * the describer model of the visual check.
 */
import { z } from 'zod';
import { globProblem } from '../glob.js';
import { MAX_TIMEOUT_SECONDS, httpURL, intIn, memoryGB, nonEmptyString, numberIn } from './schema-parts.js';

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

export const visualSchema = z
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
