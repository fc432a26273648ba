/** What `npm test` (vitest.config.ts) and `npm run test:e2e` (vitest.e2e.config.ts) share. */

/**
 * Suites too slow for `npm test`, which stays under 5 minutes on 2 cores: they run in
 * `npm run test:e2e`, which `.ci/run` runs too.
 */
export const E2E_SUITES = [
  // 200 seeded sequences of the main promise, each with dozens of git processes (about 2 minutes).
  'test/trust/property.test.ts',
  // kill -9 and many-process stress runs.
  'test/engine/**/*.test.ts',
  'test/trust/merge-crash.test.ts',
  'test/trust/merge-queue-crash.test.ts',
  'test/trust/locks-leftover-check.test.ts',
  // Whole `factory task` runs through the built CLI against the scripted server.
  'test/e2e/**/*.test.ts',
  'test/trust/resume-rebase.test.ts',
  'test/trust/merge-queue-rename.test.ts',
  'test/trust/sandbox-attacks.test.ts',
  'test/cli/commands.test.ts',
  // The CLI spawned through tsx for every case (config, errors under --json, a whole task run).
  'test/config/cli.test.ts',
  'test/cli/json-errors.test.ts',
  'test/trust/cli-output.test.ts',
  // Many CLI runs each: refusals of merge, and bad input for every command.
  'test/trust/merge-refusals.test.ts',
  'test/trust/bounds-input.test.ts',
  // Real merges driven through the review TUI, one after another (the slowest TUI file).
  'test/tui/review-actions.test.tsx',
  // Detached server daemons, started and stopped for real.
  'test/llm/server-lifecycle.test.ts',
  'test/llm/inference.test.ts',
  'test/trust/cli-server.test.ts',
  // Whole runs and queues on real repos, many git processes each (moved here when `npm test`
  // reached 5m56s on a quiet 2-core machine with them).
  'test/tasks/merge-queue.test.ts',
  'test/tasks/runner-plan.test.ts',
  'test/tasks/runner-visual.test.ts',
  'test/tasks/overlap-run.test.ts',
  'test/git/workspace.test.ts',
  'test/git/merge.test.ts',
  'test/trust/locks-stale.test.ts',
  'test/agent/executor-runaway.test.ts',
  // The built bundle, and the review through the CLI.
  'test/cli/bundle.test.ts',
  'test/tui/review-cli.test.tsx',
  // Real terminals (tmux).
  'test/tui/*tmux*.test.*',
  'test/trust/*tmux*.test.*',
];

export const sharedTest = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  // git-heavy tests spawn many processes; two cores do best with a small pool.
  maxWorkers: 2,
  // The TUI tests mount Ink directly; on a CI machine Ink would otherwise only draw at exit.
  // The CLI hides these variables from Ink itself (src/cli/load-tui.ts).
  env: { CI: '0', CONTINUOUS_INTEGRATION: '0' },
};
