import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // git-heavy tests spawn many processes; two cores do best with a small pool.
    maxWorkers: 2,
    // The TUI tests mount Ink directly; on a CI machine Ink would otherwise only draw at exit.
    // The CLI hides these variables from Ink itself (src/cli/load-tui.ts).
    env: { CI: '0', CONTINUOUS_INTEGRATION: '0' },
  },
});
