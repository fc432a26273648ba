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
import { gb } from '../llm/model-memory.js';
import { describerServer } from '../config/describer.js';
import { managedDescriber } from '../config/managed-describer.js';
import type { Config } from '../config/schema.js';

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
  /** Set on the server of this repository's describer (visual.describer.baseURL). */
  describer?: true;
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
  /** This repository's describer, when it has a server of its own (absent otherwise). */
  describer?: DescriberStatus;
}

/** The describer's server as `server status` reports it. */
export interface DescriberStatus {
  baseURL: string;
  model: string;
  /** factory starts it (visual.describer.command); otherwise it is someone else's server. */
  managed: boolean;
  /** A factory server runs at its baseURL. */
  running: boolean;
  pid?: number;
  modelPid?: number | null;
  health?: string;
  /** The memory estimate made when it was started, if it was. */
  memory?: { bytes: number | null; from: string };
}

/** The describer of this repository's configuration, when it is not the main server. */
export function describerOf(
  config: Pick<Config, 'server' | 'visual'>,
): { baseURL: string; model: string; managed: boolean } | undefined {
  const d = describerServer(config);
  if (!d || d.shared) return undefined;
  return { baseURL: d.baseURL, model: d.model, managed: managedDescriber(config) !== null };
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

/**
 * Every factory server of this user (servers run side by side, one per baseURL), this
 * repository's first and its describer's second.
 */
export async function serverStatus(
  baseURL: string,
  root = stateDir(),
  describer?: { baseURL: string; model: string; managed: boolean },
): Promise<StatusReport> {
  const mine = serverHome(baseURL, root);
  const theirs = describer ? serverHome(describer.baseURL, root) : undefined;
  let staleCleaned = false;
  const servers: ServerView[] = [];
  for (const home of await serverHomes(root)) {
    if (await cleanStale(home)) staleCleaned = true;
    const state = await readState(home);
    if (state) {
      const v = await view(state, home === mine);
      servers.push(home === theirs ? { ...v, describer: true } : v);
    }
  }
  const rank = (v: ServerView) => (v.current ? 2 : v.describer ? 1 : 0);
  servers.sort((a, b) => rank(b) - rank(a));
  const own = servers.find((s) => s.current);
  const desc = servers.find((s) => s.describer);
  return {
    running: Boolean(own),
    baseURL,
    ...(own ? { state: own.state, health: own.health, front: own.front } : {}),
    servers,
    staleCleaned,
    ...(describer
      ? {
          describer: {
            ...describer,
            running: Boolean(desc),
            ...(desc
              ? {
                  pid: desc.state.daemonPid,
                  modelPid: desc.state.modelPid,
                  health: desc.health,
                  ...(desc.state.memory ? { memory: desc.state.memory } : {}),
                }
              : {}),
          },
        }
      : {}),
  };
}

/** "llama-server" for 'llamacpp': the name the user knows the software by. */
const flavorName = (f: NonNullable<ServerState['flavor']>) => describeServer('', f).replace(/ at $/, '');

function block(v: ServerView): string[] {
  const s = v.state;
  const q = (v.front?.queue as { total?: QueueTotal } | undefined)?.total;
  const restarts = (v.front?.modelServer as { restarts?: number } | undefined)?.restarts ?? 0;
  const mark = v.current ? '   [this repository]' : v.describer ? "   [this repository's describer]" : '';
  return [
    `factory server: ${visible(s.model)}${mark}`,
    `  url      ${v.baseURL}`,
    `  health   ${visible(v.health)}`,
    `  uptime   ${age(s.startedAt)} (started by ${s.startedBy})`,
    `  front    pid ${s.daemonPid}`,
    `  model    port ${s.modelPort} (pid ${s.modelPid ?? '-'})${s.flavor && s.flavor !== 'generic' ? `, ${flavorName(s.flavor)}` : ''}${restarts ? `, restarted ${restarts} time${restarts === 1 ? '' : 's'}` : ''}`,
    q
      ? `  queue    ${q.waiting} waiting, ${q.running} running, ${q.completed} done, ${q.failed ?? 0} failed, ${q.tokensPerSecond.toFixed(1)} tok/s`
      : '  queue    (front not answering)',
    ...(s.memory ? [`  memory   ${visible(memoryText(s.memory))}`] : []),
    `  log      ${s.logFile}`,
  ];
}

const memoryText = (m: { bytes: number | null; from: string }) =>
  m.bytes === null ? `unknown (${m.from})` : `about ${gb(m.bytes)} (estimate: ${m.from})`;

/** The describer's line when no factory server runs for it (its block is shown when one does). */
function describerLine(d: DescriberStatus): string | null {
  if (d.running) return null;
  const what = `describer ${visible(d.model)} at ${d.baseURL}`;
  return d.managed
    ? `${what} is not running; start it with \`factory server start\``
    : `${what} is not started by factory (visual.describer.command is null)`;
}

export function statusText(r: StatusReport): string {
  const out: string[] = [];
  for (const v of r.servers) out.push(...block(v), '');
  const describer = r.describer ? describerLine(r.describer) : null;
  if (describer) out.push(describer);
  if (!r.running)
    out.push(
      `no factory server is running for ${r.baseURL}${r.staleCleaned ? ' (cleaned up the state of one that died)' : ''}; start one with \`factory server start\``,
    );
  return out.join('\n').trimEnd();
}
