/** The dialect scenarios (dialect-suite.ts) for llamacpp and openai; the other dialects have their own file, so they run in parallel. */
import { afterAll } from 'vitest';
import { cleanupTemps } from '../helpers/git-repo.js';
import { dialectSuite } from './dialect-suite.js';
import { closeInProcess } from './support.js';

afterAll(async () => {
  await closeInProcess();
  await cleanupTemps();
});

dialectSuite('llamacpp', { auto: false, yaml: true });
dialectSuite('openai', { auto: false, yaml: false });
