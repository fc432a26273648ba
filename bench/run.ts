import { mkdir, writeFile } from 'node:fs/promises';
import { accessSync, constants } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { dir as tempDir, setGracefulCleanup } from 'tmp-promise';
import { parseBenchArgs, USAGE } from './args.js';
import { formatBreakdowns, formatLine, formatNotes, formatTable } from './report.js';
import { verdict } from './verdict.js';
import { selected } from './harness.js';
import { describeScratch } from './fs-probe.js';
import { gitEngineSuite } from './git-engine/suite.js';
import { inferenceSuite } from './llm/suite.js';
import { orchestrationSuite } from './agent/suite.js';
import { reviewSuite } from './tui/suite.js';
import type { Measurement, Suite } from './types.js';
import { sandboxSuite } from './sandbox/suite.js';
import { startupSuite } from './startup/suite.js';
import { modelTimeSuite } from './model-time/suite.js';
import { editsSuite } from './edits/suite.js';
import { visualSuite } from './visual/suite.js';

/** Every suite `npm run bench` runs, in order. Add new suites here. */
const SUITES: Suite[] = [
  gitEngineSuite,
  inferenceSuite,
  orchestrationSuite,
  reviewSuite,
  sandboxSuite,
  startupSuite,
  modelTimeSuite,
  editsSuite,
  visualSuite,
];

/**
 * Both sides of every comparison see the same minimal git configuration, whatever the user's
 * global config says (signing, hooks paths, fsmonitor would skew one side).
 */
async function isolateGitConfig(tmp: string): Promise<void> {
  const home = path.join(tmp, 'home');
  await mkdir(path.join(home, '.config'), { recursive: true });
  await writeFile(path.join(home, '.gitconfig'), '[user]\n\tname = Bench\n\temail = bench@example.com\n');
  process.env.HOME = home;
  process.env.XDG_CONFIG_HOME = path.join(home, '.config');
}

/**
 * tmpfs by default: its file creation cost is close to a laptop SSD's, while VM disks can be
 * far slower and would make every run take many minutes.
 */
function scratchParent(configured: string | undefined): string {
  if (configured) return configured;
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

function header(): string {
  const git = execFileSync('git', ['--version'], { encoding: 'utf8' }).trim();
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  return `factory bench: ${git}, node ${process.version}, ${os.cpus().length} x ${cpu}, ${os.platform()}`;
}

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  // The scratch folder goes when the process exits, whichever way: tmp removes it on exit, and
  // Ctrl-C becomes an exit.
  setGracefulCleanup();
  const scratch = await tempDir({
    unsafeCleanup: true,
    prefix: 'factory-bench',
    tmpdir: scratchParent(args.tmp),
  });
  const tmp = scratch.path;
  const onSignal = () => process.exit(130);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const results: Measurement[] = [];
  try {
    await isolateGitConfig(tmp);
    console.error(header());
    console.error(await describeScratch(tmp));
    const log = (msg: string) => console.error(`  ${msg}`);
    for (const suite of SUITES) {
      // `--only inference` names a whole suite: all its benchmarks run.
      const whole = args.only.some((o) => suite.name.includes(o));
      if (!whole && !suite.benchmarks.some((name) => selected(args, name))) continue;
      console.error(`suite: ${suite.name}`);
      const ctx = { ...args, ...(whole ? { only: [] } : {}), tmp, log };
      await suite.run(ctx, (m) => {
        results.push(m);
        console.error(`> ${formatLine(m)}`);
      });
    }
  } finally {
    await scratch.cleanup();
  }

  console.log(`\n${formatTable(results)}\n`);
  const probed = formatBreakdowns(results);
  if (probed) console.log(`Where the time goes (per subprocess, spawn to exit):\n\n${probed}`);
  const notes = formatNotes(results);
  if (notes) console.log(`Where the time goes (in process):\n\n${notes}`);
  const gated = results.map(verdict).filter((v) => v.gated);
  const missed = gated.filter((v) => v.pass === false).length;
  if (gated.length) console.log(`${gated.length - missed}/${gated.length} gated targets met.`);
  else console.log('No gated target at these sizes.');
  return args.strict && missed > 0 ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  },
);
