/** Variables Ink and chalk read once, when they are first imported. */
const OVERRIDES: Record<string, string | undefined> = {
  // Under CI Ink writes no frame until it unmounts: nothing to time.
  CI: undefined,
  CONTINUOUS_INTEGRATION: undefined,
  // The bench's stdout is often a pipe; the user's is a terminal, where the review draws in colour.
  FORCE_COLOR: '1',
};

function apply(vars: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

/**
 * Imports the drawing half of the suite as on a user's terminal: not in CI, colours on. The
 * environment is put back right after; Ink and chalk keep what they read at import.
 */
export async function loadDraw(): Promise<typeof import('./draw.js')> {
  const saved = Object.fromEntries(Object.keys(OVERRIDES).map((k) => [k, process.env[k]]));
  apply(OVERRIDES);
  try {
    return await import('./draw.js');
  } finally {
    apply(saved);
  }
}
