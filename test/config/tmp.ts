import { afterEach } from 'vitest';
import { tempFolder, type TempFolder } from '../helpers/tmp.js';

const made: TempFolder[] = [];

afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => d.remove()));
});

/** A fresh directory, removed after the test. Real path, so it compares equal to what git prints. */
export async function tempDir(): Promise<string> {
  const dir = await tempFolder('factory-config');
  made.push(dir);
  return dir.path;
}
