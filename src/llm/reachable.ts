/** Whether anything answers HTTP at `baseURL` (its `/models`), within 3 s: a server runs there. */
export async function reachable(baseURL: string): Promise<boolean> {
  try {
    await fetch(new URL(`${baseURL.replace(/\/+$/, '')}/models`), { signal: AbortSignal.timeout(3000) });
    return true;
  } catch {
    return false;
  }
}
