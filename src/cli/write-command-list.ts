// Run by scripts/build.mjs on a throwaway bundle: writes the commands.json that lets the built
// CLI print its top-level help without loading every command (see briefProgram in program.ts).
import { writeFile } from 'node:fs/promises';
import { commandList } from './program.js';

const out = process.argv[2];
if (!out) throw new Error('usage: write-command-list <file>');
await writeFile(out, `${JSON.stringify(await commandList(), null, 2)}\n`);
