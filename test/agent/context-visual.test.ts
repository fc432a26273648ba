/**
 * How the visual check reads to the judge and to the next Coder: the descriptions quoted as data,
 * the browser's measurements and errors, cut to fit; the spec's prompt; the errors of a capture
 * as one line per distinct error.
 */
import { describe, expect, it } from 'vitest';
import { renderVisual, visualProblem } from '../../src/agent/context/visual.js';
import { buildSheriffMessages } from '../../src/agent/context/judge.js';
import { specMessages, specFromReply, MAX_SPEC_CHARS } from '../../src/agent/phases/visual.js';
import { BUILT_IN_PROMPTS } from '../../src/agent/prompts/index.js';
import { errorLines } from '../../src/visual/look-errors.js';
import type { VisualLook } from '../../src/agent/types.js';
import type { ViewportResult } from '../../src/visual/visual-json.js';

const look = (over: Partial<VisualLook> = {}): VisualLook => ({
  dir: '/x/visual/attempt-1',
  url: 'http://127.0.0.1:4000/',
  viewports: [
    {
      name: 'desktop',
      width: 1280,
      height: 800,
      mobile: false,
      screenshot: 'desktop.png',
      description: 'Four cards in a row.',
      overflow: false,
      console: 0,
      pageErrors: 0,
      network: 0,
    },
    {
      name: 'phone',
      width: 390,
      height: 844,
      mobile: true,
      screenshot: 'phone.png',
      description: null,
      describeError: 'no description of the phone screenshot: 400 bad image',
      overflow: true,
      scrollWidth: 953,
      console: 1,
      pageErrors: 1,
      network: 0,
    },
  ],
  errors: ['[desktop, phone] uncaught error: boom'],
  durationMs: 1200,
  ...over,
});

describe('renderVisual', () => {
  it('quotes each description, states the measurements and lists the errors', () => {
    const text = renderVisual(look(), 3000);
    expect(text).toContain(
      '## desktop (1280x800)\nThe page is not wider than the screen (no sideways scrolling).',
    );
    expect(text).toContain('```\nFour cards in a row.\n```');
    expect(text).toContain(
      '## phone (390x844, a phone)\nThe page is wider than the screen and scrolls sideways (953 px of content in 390 px).',
    );
    expect(text).toContain('(no description: no description of the phone screenshot: 400 bad image)');
    expect(text).toContain('## Browser errors\n- [desktop, phone] uncaught error: boom');
    expect(renderVisual(look({ errors: [] }), 3000)).toContain(
      'No console errors, page errors or failed requests.',
    );
  });

  it('cuts long descriptions to the room given', () => {
    const long = look();
    long.viewports[0]!.description = 'x'.repeat(5000);
    expect(renderVisual(long, 100)).toContain(`${'x'.repeat(100)} …[cut]`);
    const messages = buildSheriffMessages({
      task: { title: 't', description: 't', constraints: [], mode: 'repo', designSpec: 'phone: one column' },
      prompts: BUILT_IN_PROMPTS,
      diff: '',
      check: { command: 'true', exitCode: 0, head: '', tail: '' },
      budgetTokens: 1500,
      visual: long,
    });
    const user = messages[1]!.content;
    expect(user).toContain('Design spec (what the result must look like):\nphone: one column');
    expect(user).toContain('# The visual check');
    expect(user).toContain('## Browser errors');
    expect(user.length).toBeLessThan(1500 * 4);
  });

  it('tells the next Coder what the browser showed, or why it could not look', () => {
    const said = visualProblem(look());
    expect(said).toMatch(/^the visual check failed/);
    expect(said).toContain('desktop (1280x800): The page is not wider than the screen');
    expect(said).toContain(
      'phone (390x844, a phone): The page is wider than the screen and scrolls sideways',
    );
    expect(said).toContain('  - [desktop, phone] uncaught error: boom');
    expect(visualProblem(look({ error: 'the app did not answer' }))).toBe(
      'the visual check could not look at the page: the app did not answer',
    );
  });
});

describe('the design spec', () => {
  it('asks with the task and the screen sizes, never with an earlier spec', () => {
    const [system, user] = specMessages(
      { title: 'Add cards', description: 'Add cards', constraints: [], mode: 'repo', designSpec: 'old' },
      [
        { name: 'desktop', width: 1280, height: 800 },
        { name: 'phone', width: 390, height: 844, mobile: true },
      ],
      BUILT_IN_PROMPTS,
    );
    expect(system!.content).toMatch(/^You write the design spec/);
    expect(user!.content).toContain('- desktop: 1280x800\n- phone: 390x844 (a phone)');
    expect(user!.content).not.toContain('old');
  });

  it('keeps the answer as text, capped', () => {
    const reply = (content: string) =>
      ({ content, reasoning: '', toolCalls: [], finishReason: 'stop', usage: {} }) as never;
    expect(specFromReply(reply('  - one\n'))).toBe('- one');
    expect(specFromReply(reply('y'.repeat(MAX_SPEC_CHARS + 10)))).toHaveLength(
      MAX_SPEC_CHARS + '\n…[cut]'.length,
    );
  });
});

describe('errorLines', () => {
  const vp = (name: string, over: Partial<ViewportResult> = {}): ViewportResult =>
    ({
      name,
      width: 1,
      height: 1,
      mobile: false,
      screenshot: `${name}.png`,
      deviceScaleFactor: 1,
      load: {},
      overflow: null,
      console: { entries: [], dropped: 0 },
      pageErrors: { entries: [], dropped: 0 },
      network: { entries: [], dropped: 0 },
      timings: { loadMs: 0, screenshotMs: 0 },
      ...over,
    }) as ViewportResult;

  it('names every viewport an error happened at, once', () => {
    const thrown = { entries: [{ message: 'boom' }], dropped: 0 };
    const lines = errorLines([
      vp('desktop', {
        pageErrors: thrown,
        network: {
          entries: [{ url: 'http://h/img/logo.svg', method: 'GET', resourceType: 'image', status: 404 }],
          dropped: 0,
        },
      }),
      vp('phone', {
        pageErrors: thrown,
        console: {
          entries: [
            {
              type: 'warning',
              text: 'slow\nscript',
              location: { url: 'http://h/app.js', line: 4, column: 1 },
            },
          ],
          dropped: 3,
        },
        load: { error: 'net::ERR_CONNECTION_REFUSED' },
      }),
    ]);
    expect(lines).toEqual([
      '[desktop, phone] uncaught error: boom',
      '[desktop] request failed: GET http://h/img/logo.svg answered 404',
      '[phone] the page did not load: net::ERR_CONNECTION_REFUSED',
      '[phone] console warning: slow script (app.js:5)',
      '[phone] 3 more errors not kept',
    ]);
  });
});
