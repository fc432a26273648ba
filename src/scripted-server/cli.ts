import { parseArgs } from 'node:util';
import { startScriptedServer } from './server.js';
import type { Dialect } from './dialects.js';

/**
 * The scripted server as a model-server command, for `factory server start` in tests and the
 * demo (the demo model, built to dist/): `node dist/scripted-server/cli.js --host {host} --port
 * {port} --script fixtures/scripts/hello.json --dialect mlx`, or `src/scripted-server/cli.ts`
 * under tsx in a checkout. Serves until SIGTERM or SIGINT.
 */
const usage =
  'usage: cli.ts --script <file> [--script <file> ...] [--dialect mlx|llamacpp|ollama|openai] [--host H] [--port N] [--model NAME]\n' +
  '              [--load-ms N] [--prefill-tps N --decode-tps N --slots N]';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    /** Repeatable: several scripts are served as one, their replies in the order given. */
    script: { type: 'string', multiple: true },
    dialect: { type: 'string', default: 'mlx' },
    model: { type: 'string' },
    'load-ms': { type: 'string' },
    'prefill-tps': { type: 'string' },
    'decode-tps': { type: 'string' },
    slots: { type: 'string' },
  },
});

const dialect = values.dialect as Dialect;
if (!values.script?.length || !['mlx', 'llamacpp', 'ollama', 'openai'].includes(dialect)) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const latency =
  values['prefill-tps'] || values['decode-tps'] || values.slots
    ? {
        prefillTps: num(values['prefill-tps']) ?? 1e9,
        decodeTps: num(values['decode-tps']) ?? 1e9,
        slots: num(values.slots) ?? 1,
      }
    : undefined;

const server = await startScriptedServer({
  script: values.script.length === 1 ? values.script[0]! : values.script,
  dialect,
  host: values.host,
  port: Number(values.port),
  model: values.model,
  loadMs: num(values['load-ms']),
  latency,
});
process.stdout.write(`scripted server (${dialect}) listening on ${server.url}\n`);

const shutdown = () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
