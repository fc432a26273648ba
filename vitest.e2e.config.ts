import { defineConfig } from 'vitest/config';
import { E2E_SUITES, sharedTest } from './vitest.shared.js';

export default defineConfig({ test: { ...sharedTest, include: E2E_SUITES } });
