import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bwrapArgs, bwrapEnv } from './bwrap.js';
import { detectSandbox } from './detect.js';
import { expandPath, isInside, real } from './paths.js';
import { SECRET_HOME_PATHS } from './secrets.js';
import { seatbeltArgs } from './seatbelt.js';
import type { SandboxPlan, SandboxSettings, SpawnSpec } from './types.js';

export type { SandboxKind, SandboxMode, SandboxPlan, SandboxSettings, SpawnSpec } from './types.js';
export { DEFAULT_SANDBOX_SETTINGS } from './types.js';
export { detectSandbox } from './detect.js';
export { explainFailure } from './explain.js';
export { bwrapArgs } from './bwrap.js';
export { seatbeltProfile } from './seatbelt.js';

export interface PlanOptions {
  /** The check, a script and run_command; or worktree.setup, whose network setting differs. */
  purpose: 'check' | 'setup';
  /** Relative paths in `writable`/`readable` are relative to it (the repository's top level). */
  repoRoot: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/**
 * Decides the sandbox of a run once (detection spawns a probe): which one, and every path it
 * needs, resolved. Throws a refusal when a sandbox named explicitly cannot run here.
 */
export function resolvePlan(settings: SandboxSettings, opts: PlanOptions): SandboxPlan {
  const env = opts.env ?? process.env;
  const detected = detectSandbox(settings.mode, { platform: opts.platform, env });
  const home = real(path.resolve(env.HOME || os.homedir()));
  const expand = (list: string[]) => list.map((p) => real(expandPath(p, home, opts.repoRoot)));
  return {
    kind: detected.kind,
    ...(detected.program ? { program: detected.program } : {}),
    writable: expand(settings.writable),
    readable: expand(settings.readable),
    exposed: detected.kind === 'bwrap' ? toolchainDirs(env, home) : [],
    network: opts.purpose === 'setup' ? settings.setupNetwork : settings.network,
    home,
    envAllow: settings.envAllow,
    envDeny: settings.envDeny,
    ...(detected.notice ? { notice: detected.notice } : {}),
  };
}

/**
 * PATH folders under $HOME (nvm's node, ~/.cargo/bin, ~/.local/bin), so a hidden $HOME does not
 * hide the tools the check runs. A `…/bin` folder brings its prefix (`lib/` beside it) when no
 * secret lives in that prefix; a folder inside a secret one is never exposed.
 */
function toolchainDirs(env: NodeJS.ProcessEnv, home: string): string[] {
  const secrets = SECRET_HOME_PATHS.map((s) => path.join(home, s));
  const dirs = new Set<string>();
  const entries = [...(env.PATH ?? '').split(path.delimiter), path.dirname(process.execPath)];
  for (const raw of entries) {
    if (!raw || !path.isAbsolute(raw)) continue;
    const dir = real(raw);
    if (!isInside(dir, home) || dir === home || secrets.some((s) => isInside(dir, s))) continue;
    const prefix = path.dirname(dir);
    const prefixSafe =
      path.basename(dir) === 'bin' &&
      prefix !== home &&
      !secrets.some((s) => isInside(s, prefix) && existsSync(s));
    dirs.add(prefixSafe ? prefix : dir);
  }
  return [...dirs];
}

/** What to spawn for `sh -c command` in `cwd` under `plan`; `env` is already scrubbed. */
export function wrapCommand(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  plan?: SandboxPlan,
): SpawnSpec {
  if (!plan || plan.kind === 'none' || !plan.program) return { file: '/bin/sh', args: ['-c', command], env };
  if (plan.kind === 'bwrap')
    return { file: plan.program, args: bwrapArgs(plan, real(cwd), command), env: bwrapEnv(env) };
  return { file: plan.program, args: seatbeltArgs(plan, cwd, command), env };
}

/** One line for `factory show` and the run's log: which sandbox, and whether the network is on. */
export function describePlan(plan: SandboxPlan): string {
  if (plan.kind === 'none') return 'none (unsandboxed)';
  const extra = [
    plan.network ? 'network on' : 'network off',
    ...(plan.writable.length ? [`writable: ${plan.writable.join(', ')}`] : []),
    ...(plan.readable.length ? [`readable: ${plan.readable.join(', ')}`] : []),
  ];
  return `${plan.kind} (${extra.join('; ')})`;
}
