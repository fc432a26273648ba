/**
 * `factory server start` and `stop` when the configuration has a describer factory starts itself
 * (visual.describer.command): the main server and the describer's, side by side.
 */
import type { Config } from '../config/schema.js';
import { managedDescriber } from '../config/managed-describer.js';
import { daemonConfigFor, type DaemonConfig } from '../llm/daemon.js';
import { stopServer } from '../llm/lifecycle.js';
import { gb } from '../llm/model-memory.js';
import { startServers, type StartedServer } from '../llm/start-servers.js';
import { publicState, serverHome, stateDir } from '../llm/state.js';
import { visible } from '../visible.js';
import { emit } from './action.js';

/**
 * The describer's supervisor settings: its own baseURL, model and command; one request at a time.
 * Started by a run (`auto`), it stops after `server.idleShutdown` idle minutes, as the main one.
 */
export function describerDaemonConfig(
  config: Config,
  readyTimeoutMs: number,
  startedBy: 'user' | 'auto' = 'user',
): DaemonConfig | null {
  const d = managedDescriber(config);
  if (!d) return null;
  return daemonConfigFor(
    { ...d, concurrency: 1, endpoints: [], idleShutdown: config.server.idleShutdown },
    { startedBy, readyTimeoutMs, stateDir: stateDir() },
  );
}

/** What the memory estimate of the describer's model reads from the configuration. */
export function describerModel(config: Config, describer: DaemonConfig) {
  return {
    model: describer.model,
    command: describer.command,
    memoryGB: managedDescriber(config)!.memory,
    key: 'visual.describer.memory',
  };
}

function block(s: StartedServer): string[] {
  const title = s.name === 'main' ? 'factory server' : 'describer server';
  const memory = s.estimate.bytes === null ? 'unknown' : `about ${gb(s.estimate.bytes)} (${s.estimate.from})`;
  return [
    `${title} ${s.started ? 'ready' : 'already running'}: ${visible(s.state.model)}`,
    `  queue front   ${s.state.baseURL}  (pid ${s.state.daemonPid})`,
    `  model server  port ${s.state.modelPort}  (pid ${s.state.modelPid})`,
    `  memory        ${visible(memory)}`,
    `  log           ${s.state.logFile}`,
  ];
}

export async function startPair(
  config: Config,
  main: DaemonConfig,
  describer: DaemonConfig,
  o: { force?: boolean; json?: boolean; daemonCommand: string[] },
): Promise<void> {
  const { servers, memory } = await startServers({
    servers: [
      {
        name: 'main',
        config: main,
        model: {
          model: main.model,
          command: main.command,
          memoryGB: config.server.memory,
          key: 'server.memory',
        },
      },
      { name: 'describer', config: describer, model: describerModel(config, describer) },
    ],
    force: Boolean(o.force),
    daemonCommand: o.daemonCommand,
    notice: (line) => process.stderr.write(`${visible(line)}\n`),
  });
  const [own, desc] = servers;
  emit(o.json, { ...publicState(own!.state), describer: publicState(desc!.state), memoryCheck: memory }, () =>
    [...block(own!), ...block(desc!), `memory: ${visible(memory.line)}`].join('\n'),
  );
}

/** Stops the describer's server, when factory starts one for this repository. */
export async function stopDescriber(config: Config, graceMs: number): Promise<string | null> {
  const d = managedDescriber(config);
  if (!d) return null;
  const state = await stopServer(serverHome(d.baseURL), graceMs);
  return state
    ? `stopped the describer server at ${d.baseURL} (${visible(state.model)})`
    : `no describer server is running for ${d.baseURL}`;
}
