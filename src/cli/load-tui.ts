/**
 * Imports a TUI module for a real terminal. Ink decides once, when it is first loaded, whether
 * it runs "in CI" (a CI or CONTINUOUS_INTEGRATION variable) and then draws nothing until exit.
 * A developer's shell may well carry CI=1; since factory only loads a TUI when both ends are a
 * terminal, that guess is wrong here, so the variables are hidden while Ink loads.
 */
export async function loadTui<T>(load: () => Promise<T>): Promise<T> {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await load();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}
