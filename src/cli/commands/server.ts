import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { action, emit } from '../action.js';
import { openRepo } from '../../git/repo.js';
import { loadConfig } from '../../config/load.js';
import { refuse } from '../../errors.js';
import { daemonConfigFor, runDaemon, type DaemonConfig } from '../../llm/daemon.js';
import { cleanStale, probeFront, startServer, stopServer } from '../../llm/lifecycle.js';
import { remoteEndpoints } from '../../llm/inference.js';
import { logFile, pidAlive, readState, stateDir } from '../../llm/state.js';
import { age } from '../format.js';

async function serverConfig() {
  const root = await openRepo(process.cwd()).then(
    (r) => r.root,
    () => undefined,
  );
  return (await loadConfig({ repoRoot: root })).config.server;
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
      'start the model server and the queue front on server.baseURL; waits until the model answers',
    )
    .option('--ready-timeout <seconds>', 'how long the model may take to load', '600')
    .option('--json', 'print the server state as JSON')
    .action(
      action(async (o: { readyTimeout: string; json?: boolean }) => {
        const s = await serverConfig();
        for (const url of remoteEndpoints(s))
          process.stderr.write(`warning: ${url} is not on this machine; your code will be sent to it\n`);
        const cfg = daemonConfig(s, 'user', Number(o.readyTimeout) * 1000);
        const state = await startServer({ config: cfg, daemonCommand: daemonCommand() });
        emit(o.json, state, () =>
          [
            `factory server ready: ${state.model}`,
            `  queue front   ${s.baseURL}  (pid ${state.daemonPid})`,
            `  model server  port ${state.modelPort}  (pid ${state.modelPid})`,
            `  log           ${state.logFile}`,
          ].join('\n'),
        );
      }),
    );

  server
    .command('status')
    .description('show the model, uptime, health and queue metrics')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { json?: boolean }) => {
        const stale = await cleanStale(stateDir());
        const state = await readState();
        if (!state) {
          emit(
            o.json,
            { running: false, staleCleaned: Boolean(stale) },
            () =>
              `no factory server is running${stale ? ' (cleaned up the state of one that died)' : ''}; start one with \`factory server start\``,
          );
          return;
        }
        const front = await probeFront(`http://${state.host}:${state.frontPort}/v1`, 1000);
        const modelAlive = pidAlive(state.modelPid);
        const health = !modelAlive
          ? `model server down: ${state.error ?? 'exited'}`
          : state.phase === 'ready' && front
            ? 'ok'
            : state.phase;
        emit(o.json, { running: true, state, health, front }, () => {
          const q = (front?.queue ?? null) as {
            total?: { waiting: number; running: number; completed: number; tokensPerSecond: number };
          } | null;
          return [
            `factory server: ${state.model}`,
            `  health   ${health}`,
            `  uptime   ${age(state.startedAt)} (started by ${state.startedBy})`,
            `  front    http://${state.host}:${state.frontPort}/v1 (pid ${state.daemonPid})`,
            `  model    port ${state.modelPort} (pid ${state.modelPid ?? '-'})`,
            q?.total
              ? `  queue    ${q.total.waiting} waiting, ${q.total.running} running, ${q.total.completed} done, ${q.total.tokensPerSecond.toFixed(1)} tok/s`
              : '  queue    (front not answering)',
            `  log      ${state.logFile}`,
          ].join('\n');
        });
      }),
    );

  server
    .command('stop')
    .description('stop the queue front and the model server (SIGTERM, then SIGKILL after a grace period)')
    .option('--grace <seconds>', 'seconds between SIGTERM and SIGKILL', '5')
    .action(
      action(async (o: { grace: string }) => {
        const state = await stopServer(stateDir(), Number(o.grace) * 1000);
        process.stdout.write(
          state ? `stopped the factory server (${state.model})\n` : 'no factory server is running\n',
        );
      }),
    );

  server
    .command('logs')
    .description("print the end of the model server's log")
    .option('-n, --lines <n>', 'how many lines', '50')
    .action(
      action(async (o: { lines: string }) => {
        const text = await readFile(logFile(), 'utf8').catch(() => null);
        if (text === null)
          throw refuse(`no server log yet (${logFile()})`, 'start a server with `factory server start`');
        const lines = text.split('\n');
        process.stdout.write(`${lines.slice(-Number(o.lines) - 1).join('\n')}`);
      }),
    );

  server
    .command('__daemon', { hidden: true })
    .argument('<config>', 'the resolved server configuration as JSON')
    .action(action(async (config: string) => runDaemon(JSON.parse(config) as DaemonConfig)));
}
