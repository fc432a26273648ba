import { defineConfig } from 'vitest/config';
import { E2E_SUITES, sharedTest } from './vitest.shared.js';

// Whole CLI runs: a loaded machine (here, other suites running beside them) can take minutes for
// one, so the deadlines are generous; every wait inside still ends as soon as its condition holds.
export default defineConfig({
  test: { ...sharedTest, testTimeout: 300_000, hookTimeout: 300_000, include: E2E_SUITES },
});
