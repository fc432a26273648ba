import { defineConfig } from 'vitest/config';
import { E2E_SUITES, sharedTest } from './vitest.shared.js';

export default defineConfig({
  test: {
    ...sharedTest,
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // The slow end-to-end suites run in `npm run test:e2e` (vitest.e2e.config.ts).
    exclude: ['**/node_modules/**', ...E2E_SUITES],
  },
});
