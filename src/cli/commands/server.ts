import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { action, emit } from '../action.js';
import { openRepo } from '../../git/repo.js';
import { loadConfig } from '../../config/load.js';
import { refuse } from '../../errors.js';
import { daemonConfigFor, runDaemon, type DaemonConfig } from '../../llm/daemon.js';
import { startServer, stopServer } from '../../llm/lifecycle.js';
import { remoteEndpoints } from '../../llm/inference.js';
import { logFile, publicState, serverHome, stateDir } from '../../llm/state.js';
import { visible } from '../../visible.js';
import { lines, positiveSeconds, seconds } from '../numeric.js';
import { describerOf, serverStatus, statusText } from '../server-status.js';
import { describerDaemonConfig, startPair, stopDescriber } from '../server-pair.js';

async function repoConfig() {
  const root = await openRepo(process.cwd()).then(
    (r) => r.root,
    () => undefined,
  );
  return (await loadConfig({ repoRoot: root })).config;
}

async function serverConfig() {
  return (await repoConfig()).server;
}

/** argv that re-runs this same CLI (same node flags, e.g. a TypeScript loader) as the daemon. */
export function daemonCommand(): string[] {
  return [process.execPath, ...process.execArgv, process.argv[1]!, 'server', '__daemon'];
}

export function daemonConfig(
  s: Awaited<ReturnType<typeof serverConfig>>,
  startedBy: 'user' | 'auto',
  readyTimeoutMs: number,
): DaemonConfig {
  if (!s.command)
    throw refuse(
      'server.command is null, so factory does not start a model server',
      `it uses the server at ${s.baseURL} as it is; set server.command to start one`,
    );
  return daemonConfigFor({ ...s, command: s.command }, { startedBy, readyTimeoutMs, stateDir: stateDir() });
}

export function register(program: Command): void {
  const server = program
    .command('server')
    .description('the local inference server and the shared request queue');

  server
    .command('start')
    .description(
      "start the model server and the queue front on server.baseURL (and the describer's, with visual.describer.command, after checking both fit in memory); waits until the models answer",
    )
    .option('--ready-timeout <seconds>', 'how long the model may take to load', positiveSeconds, 600)
    .option('--json', 'print the server state as JSON')
    .option('--force', 'start a describer too even when the two models look too big for the free memory')
    .action(
      action(async (o: { readyTimeout: number; json?: boolean; force?: boolean }) => {
        const config = await repoConfig();
        const s = config.server;
        for (const url of remoteEndpoints(s))
          process.stderr.write(`warning: ${url} is not on this machine; your code will be sent to it\n`);
        const cfg = daemonConfig(s, 'user', o.readyTimeout * 1000);
        const describer = describerDaemonConfig(config, o.readyTimeout * 1000);
        if (describer) return startPair(config, cfg, describer, { ...o, daemonCommand: daemonCommand() });
        const state = await startServer({ config: cfg, daemonCommand: daemonCommand() });
        emit(o.json, publicState(state), () =>
          [
            `factory server ready: ${visible(state.model)}`,
            `  queue front   ${s.baseURL}  (pid ${state.daemonPid})`,
            `  model server  port ${state.modelPort}  (pid ${state.modelPid})`,
            `  log           ${state.logFile}`,
          ].join('\n'),
        );
      }),
    );

  server
    .command('status')
    .description(
      "list the running factory servers (one per baseURL), this repository's marked; exit 3 when this repository's is not running",
    )
    .option('--json', 'print JSON')
    .action(
      action(async (o: { json?: boolean }) => {
        const config = await repoConfig();
        const report = await serverStatus(config.server.baseURL, undefined, describerOf(config));
        emit(o.json, report, () => statusText(report));
        // As `systemctl status` does: 3 means "not running", for scripts that ask.
        if (!report.running) process.exitCode = 3;
      }),
    );

  server
    .command('stop')
    .description(
      "stop this repository's server (its baseURL) and its describer's: the queue front and the model server (SIGTERM, then SIGKILL after a grace period)",
    )
    .option('--grace <seconds>', 'seconds between SIGTERM and SIGKILL', seconds, 5)
    .action(
      action(async (o: { grace: number }) => {
        const config = await repoConfig();
        const { baseURL } = config.server;
        const state = await stopServer(serverHome(baseURL), o.grace * 1000);
        process.stdout.write(
          state
            ? `stopped the factory server at ${baseURL} (${visible(state.model)})\n`
            : `no factory server is running for ${baseURL}\n`,
        );
        const describer = await stopDescriber(config, o.grace * 1000);
        if (describer) process.stdout.write(`${describer}\n`);
      }),
    );

  server
    .command('logs')
    .description("print the end of the log of this repository's model server (its baseURL)")
    .option('-n, --lines <n>', 'how many lines', lines, 50)
    .action(
      action(async (o: { lines: number }) => {
        const file = logFile(serverHome((await serverConfig()).baseURL));
        const text = await readFile(file, 'utf8').catch(() => null);
        if (text === null)
          throw refuse(`no server log yet (${file})`, 'start a server with `factory server start`');
        const all = text.split('\n');
        // The model server's own output: its control characters are shown, not obeyed.
        process.stdout.write(visible(all.slice(-o.lines - 1).join('\n'), { multiline: true }));
      }),
    );

  server
    .command('__daemon', { hidden: true })
    .argument('<config>', 'the resolved server configuration as JSON')
    .action(action(async (config: string) => runDaemon(JSON.parse(config) as DaemonConfig)));
}
