#!/usr/bin/env node
import { buildProgram } from './program.js';
import { reportError } from './action.js';

const program = buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.exitCode = reportError(e);
}
