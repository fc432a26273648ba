import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { capture } from '../../src/visual/capture.js';
import { findBrowser } from '../../src/visual/browser.js';
import { chromiumSandbox } from '../../src/visual/browser-sandbox.js';
import type { VisualCapture } from '../../src/visual/visual-json.js';
import { projectRoot } from '../../test/helpers/git-repo.js';
import { runBenchmark, selected } from '../harness.js';
import { median } from '../timing.js';
import type { Suite, SuiteContext } from '../types.js';

const SUITE = 'visual';
const NAME = 'visual capture';
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844, mobile: true },
];
/** What the capture may cost against two bare headless screenshots (informational: no gate yet). */
const MAX_RATIO = 1.5;

const ms = (x: number) => `${Math.round(x)} ms`;

/**
 * `capture()` of the fixed fixture site (file://, so no app start is counted) at a desktop and a
 * phone viewport, from the call to the files written, against the browser's own screenshot mode
 * run once per viewport (`chromium --headless --screenshot --window-size`), interleaved.
 */
export const visualSuite: Suite = {
  name: SUITE,
  benchmarks: [NAME],
  async run(ctx: SuiteContext, report) {
    if (!selected(ctx, NAME)) return;
    let browser: string;
    try {
      browser = findBrowser();
    } catch (e) {
      ctx.log(`visual suite skipped: ${(e as Error).message}`);
      return;
    }
    const url = pathToFileURL(path.join(projectRoot, 'fixtures/visual-site-fixed/index.html')).href;
    const root = path.join(ctx.tmp, 'visual-bench');
    const noSandbox = chromiumSandbox().sandbox ? [] : ['--no-sandbox'];
    const records: VisualCapture[] = [];
    const bare = async (i: number) => {
      for (const v of VIEWPORTS) {
        const dir = path.join(root, `bare-${i}-${v.name}`);
        await mkdir(dir, { recursive: true });
        await execa(browser, [
          '--headless',
          ...noSandbox,
          '--disable-gpu',
          '--no-first-run',
          '--hide-scrollbars',
          `--user-data-dir=${path.join(dir, 'profile')}`,
          `--screenshot=${path.join(dir, `${v.name}.png`)}`,
          `--window-size=${v.width},${v.height}`,
          url,
        ]);
      }
    };
    const m = await runBenchmark(
      {
        name: NAME,
        productLabel: 'capture(): launch, 2 viewports, network idle, 2 PNGs + visual.json',
        referenceLabel: 'chromium --headless --screenshot, once per viewport',
        target: { maxRatio: MAX_RATIO, at: [] },
        iterations: ctx.quick ? 4 : 12,
        minIterations: 3,
        budgetMs: ctx.quick ? 30_000 : 90_000,
        warmup: 1,
        product: {
          run: async (i) => {
            records.push(
              await capture({ url, viewports: VIEWPORTS, outDir: path.join(root, `capture-${i}`), browser }),
            );
          },
        },
        reference: { run: bare },
      },
      ctx,
      SUITE,
      0,
    );
    const timed = records.slice(1);
    const per = (name: string, key: 'loadMs' | 'screenshotMs') =>
      median(timed.map((r) => r.viewports.find((v) => v.name === name)!.timings[key]));
    const first = records[0];
    report({
      ...m,
      notes: [
        `${first ? `${path.basename(first.browser.path)} ${first.browser.version}` : browser}; sandbox ${noSandbox.length ? 'off' : 'on'}; viewports captured side by side in one browser`,
        `capture medians: launch ${ms(median(timed.map((r) => r.timings.launchMs)))}, ` +
          VIEWPORTS.map(
            (v) =>
              `${v.name} load+idle ${ms(per(v.name, 'loadMs'))} screenshot ${ms(per(v.name, 'screenshotMs'))}`,
          ).join(', ') +
          ` (network idle means 500 ms without a request, in each viewport)`,
      ],
    });
  },
};
