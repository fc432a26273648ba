import { cleanStale, probeFront } from '../llm/lifecycle.js';
import {
  pidAlive,
  publicState,
  readState,
  serverHome,
  serverHomes,
  stateDir,
  type ServerState,
} from '../llm/state.js';
import { visible } from '../visible.js';
import { describeServer } from '../llm/errors.js';
import { age } from './format.js';

interface QueueTotal {
  waiting: number;
  running: number;
  completed: number;
  failed?: number;
  tokensPerSecond: number;
}

export interface ServerView {
  baseURL: string;
  /** This repository's configuration points at this server. */
  current: boolean;
  /** Without the token: a status is printed and shared, the token is not. */
  state: Omit<ServerState, 'token'>;
  health: string;
  front: Record<string, unknown> | null;
}

export interface StatusReport {
  /** Whether the server this repository's config points at is running (exit 0), else exit 3. */
  running: boolean;
  baseURL: string;
  /** This repository's server, when it runs (kept at the top for scripts). */
  state?: Omit<ServerState, 'token'>;
  health?: string;
  front?: Record<string, unknown> | null;
  /** Every running factory server of this user, this repository's first. */
  servers: ServerView[];
  staleCleaned: boolean;
}

const urlOf = (s: ServerState) =>
  s.baseURL ?? `http://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.frontPort}/v1`;

async function view(state: ServerState, current: boolean): Promise<ServerView> {
  const baseURL = urlOf(state);
  // A busy machine can take a moment to answer; a status that says "not answering" must mean it.
  const front = await probeFront(baseURL, 3000, state.token);
  // The supervisor's own view: a model server it is restarting has a pid but does not answer yet.
  const model = front?.modelServer as { up?: boolean; error?: string | null } | undefined;
  const health = !pidAlive(state.modelPid)
    ? `model server down: ${state.error ?? 'exited'}`
    : model?.up === false
      ? `model server down: ${model.error ?? state.error ?? 'not answering'}`
      : state.phase === 'ready' && front
        ? 'ok'
        : state.phase;
  return { baseURL, current, state: publicState(state), health, front };
}

/** Every factory server of this user (servers run side by side, one per baseURL). */
export async function serverStatus(baseURL: string, root = stateDir()): Promise<StatusReport> {
  const mine = serverHome(baseURL, root);
  let staleCleaned = false;
  const servers: ServerView[] = [];
  for (const home of await serverHomes(root)) {
    if (await cleanStale(home)) staleCleaned = true;
    const state = await readState(home);
    if (state) servers.push(await view(state, home === mine));
  }
  servers.sort((a, b) => Number(b.current) - Number(a.current));
  const own = servers.find((s) => s.current);
  return {
    running: Boolean(own),
    baseURL,
    ...(own ? { state: own.state, health: own.health, front: own.front } : {}),
    servers,
    staleCleaned,
  };
}

/** "llama-server" for 'llamacpp': the name the user knows the software by. */
const flavorName = (f: NonNullable<ServerState['flavor']>) => describeServer('', f).replace(/ at $/, '');

function block(v: ServerView): string[] {
  const s = v.state;
  const q = (v.front?.queue as { total?: QueueTotal } | undefined)?.total;
  const restarts = (v.front?.modelServer as { restarts?: number } | undefined)?.restarts ?? 0;
  return [
    `factory server: ${visible(s.model)}${v.current ? '   [this repository]' : ''}`,
    `  url      ${v.baseURL}`,
    `  health   ${visible(v.health)}`,
    `  uptime   ${age(s.startedAt)} (started by ${s.startedBy})`,
    `  front    pid ${s.daemonPid}`,
    `  model    port ${s.modelPort} (pid ${s.modelPid ?? '-'})${s.flavor && s.flavor !== 'generic' ? `, ${flavorName(s.flavor)}` : ''}${restarts ? `, restarted ${restarts} time${restarts === 1 ? '' : 's'}` : ''}`,
    q
      ? `  queue    ${q.waiting} waiting, ${q.running} running, ${q.completed} done, ${q.failed ?? 0} failed, ${q.tokensPerSecond.toFixed(1)} tok/s`
      : '  queue    (front not answering)',
    `  log      ${s.logFile}`,
  ];
}

export function statusText(r: StatusReport): string {
  const out: string[] = [];
  for (const v of r.servers) out.push(...block(v), '');
  if (!r.running)
    out.push(
      `no factory server is running for ${r.baseURL}${r.staleCleaned ? ' (cleaned up the state of one that died)' : ''}; start one with \`factory server start\``,
    );
  return out.join('\n').trimEnd();
}
