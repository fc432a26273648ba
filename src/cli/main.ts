#!/usr/bin/env node
import { buildProgram } from './program.js';
import { reportError } from './action.js';

try {
  const program = await buildProgram();
  await program.parseAsync(process.argv);
} catch (e) {
  process.exitCode = reportError(e);
}
