/**
 * The describer's own server (`visual.describer.command`), started by a run the first time a
 * visual check looks at a page, as a run starts the main server: once per process, never with
 * `--no-server`, after the memory estimate `factory server start` makes. A describer that plainly
 * does not fit, or does not start, is not waited for: the checks go on without descriptions, and
 * the notice says why. Started this way, it stops after `server.idleShutdown` idle minutes.
 */
import type { Config } from '../config/schema.js';
import { managedDescriber } from '../config/managed-describer.js';
import { FactoryError } from '../errors.js';
import { reachable } from '../llm/reachable.js';
import { startServers } from '../llm/start-servers.js';
import { plural } from '../plural.js';
import { visible } from '../visible.js';
import { daemonCommand } from './commands/server.js';
import { describerDaemonConfig, describerModel } from './server-pair.js';

/** As for the main server a run starts: big vision models load slowly. */
const READY_TIMEOUT_MS = 600_000;

export type DescriberStarter = (notice: (line: string) => void) => Promise<void>;

export function describerStarter(config: Config): DescriberStarter | undefined {
  const d = managedDescriber(config);
  const daemon = describerDaemonConfig(config, READY_TIMEOUT_MS, 'auto');
  if (!d || !daemon) return undefined;
  let once: Promise<void> | undefined;
  const start = async (notice: (line: string) => void) => {
    if (await reachable(d.baseURL)) return;
    try {
      await startServers({
        servers: [{ name: 'describer', config: daemon, model: describerModel(config, daemon) }],
        force: false,
        daemonCommand: daemonCommand(),
        notice,
      });
    } catch (e) {
      const why = (e instanceof FactoryError && e.hint ? `${e.message} (${e.hint})` : (e as Error).message)
        // The memory refusal's way out is `factory server start`'s flag, not the run's.
        .replace(/use --force to start (it|them) anyway/, '`factory server start --force` starts it anyway');
      notice(
        `the describer's server at ${d.baseURL} was not started: ${visible(why)}; visual checks get no descriptions`,
      );
      return;
    }
    const idle = config.server.idleShutdown;
    notice(
      `started the describer's server (${visible(d.model)}) at ${d.baseURL}; ` +
        (idle > 0 ? `it stops after ${plural(idle, 'idle minute')}` : 'it runs until `factory server stop`'),
    );
  };
  return (notice) => (once ??= start(notice));
}
