import { FactoryError } from '../errors.js';

/** Fills `{model}`, `{host}` and `{port}` in the configured model-server command. */
export function expandCommand(
  command: string[],
  vars: { model: string; host: string; port: number },
): string[] {
  return command.map((part) =>
    part.replace(/\{(model|host|port)\}/g, (_, k: 'model' | 'host' | 'port') => String(vars[k])),
  );
}

/** The message for a model server binary that is not installed. */
export function missingBinary(program: string): FactoryError {
  const mlx = /mlx_lm/.test(program);
  return new FactoryError(`cannot start the model server: ${program} is not installed (or not on PATH)`, {
    exitCode: 2,
    hint: mlx
      ? 'install it with `pip install mlx-lm` (Apple silicon), or point factory at another server: set server.baseURL and server.command: null in .factoryrc.json'
      : 'install it, fix server.command in .factoryrc.json, or set server.command to null and server.baseURL to a running server',
  });
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/i;

/** True when requests to this URL stay on this machine. */
export function isLoopback(url: string): boolean {
  try {
    return LOOPBACK.test(new URL(url).hostname);
  } catch {
    return false;
  }
}
