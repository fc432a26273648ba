#!/usr/bin/env node
import module from 'node:module';
import { buildProgram } from './program.js';
import { reportError } from './action.js';

// Node 22.1+ keeps V8's compiled code of the chunks this loads between runs (in the OS temp
// folder), so later starts skip most parsing. Node 20 has no such cache: nothing happens there.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

try {
  const program = await buildProgram();
  await program.parseAsync(process.argv);
} catch (e) {
  process.exitCode = reportError(e);
}
