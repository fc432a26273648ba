import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // git-heavy tests spawn many processes; two cores do best with a small pool.
    maxWorkers: 2,
  },
});
