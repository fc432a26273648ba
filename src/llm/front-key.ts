import { pidAlive, readState, serverHome, stateDir } from './state.js';

/**
 * The key a client shows the server at `baseURL`: the token of the factory server running there
 * (its queue front refuses anything else, e.g. the describer's own server that `factory server
 * start` ran), else the configured `apiKey`, for a server that is not factory's.
 */
export async function keyFor(baseURL: string, apiKey: string, root = stateDir()): Promise<string> {
  const state = await readState(serverHome(baseURL, root));
  return state?.token && pidAlive(state.daemonPid) ? state.token : apiKey;
}
