/**
 * A separate process that uses factory's own lock code, for tests that need a second, real
 * process on the other side of a lock.
 *   hold <file>        takes the lock, prints "held", keeps it until stdin ends, prints "released"
 *   churn <file> <n>   takes and releases the lock n times, as fast as it can
 */
import { withLock } from '../../../src/git/lock.js';

const [mode, file, n] = process.argv.slice(2);

if (mode === 'hold') {
  await withLock(file!, async () => {
    process.stdout.write('held\n');
    process.stdin.resume();
    await new Promise((r) => process.stdin.once('end', r));
  });
  process.stdout.write('released\n');
} else if (mode === 'churn') {
  for (let i = 0; i < Number(n); i++) await withLock(file!, async () => undefined);
  process.stdout.write('done\n');
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
