import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { execaSync } from 'execa';
import { refuse } from '../../errors.js';
import type { SandboxKind, SandboxMode } from './types.js';

export interface Detected {
  kind: SandboxKind;
  program?: string;
  /** Set when the run goes unsandboxed: the line it prints at its start. */
  notice?: string;
}

/** The first executable `name` on PATH. */
export function which(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return null;
}

/** The same namespaces a check uses: a bwrap that is installed but cannot create them fails here. */
const PROBES: Record<'bwrap' | 'seatbelt', string[]> = {
  bwrap: [
    '--die-with-parent',
    '--unshare-pid',
    '--unshare-net',
    '--ro-bind',
    '/',
    '/',
    '--proc',
    '/proc',
    '--',
    '/bin/true',
  ],
  seatbelt: ['-p', '(version 1)(allow default)', '/usr/bin/true'],
};

const probed = new Map<string, string | null>();

/** Null when `program` works; else why not, in its own words. Once per program and process. */
function probe(kind: 'bwrap' | 'seatbelt', program: string): string | null {
  const key = `${kind}:${program}`;
  if (!probed.has(key)) {
    // Synchronous: detection happens once per process, before anything runs.
    const r = execaSync(program, PROBES[kind], { timeout: 10_000, stdin: 'ignore', reject: false });
    const why = r.timedOut
      ? 'the probe did not finish within 10 s'
      : r.exitCode === undefined && r.signal === undefined
        ? (r.originalMessage ?? r.shortMessage ?? 'it did not start') // never spawned
        : !r.failed
          ? null
          : (r.stderr || r.stdout).trim().split('\n')[0] || `exit ${r.exitCode ?? r.signal}`;
    probed.set(key, why);
  }
  return probed.get(key)!;
}

/** Where each sandbox lives; bwrap is looked up on PATH, sandbox-exec is part of macOS. */
function find(kind: 'bwrap' | 'seatbelt', env: NodeJS.ProcessEnv): string | null {
  return kind === 'bwrap' ? which('bwrap', env) : which('sandbox-exec', { PATH: '/usr/bin' });
}

const INSTALL: Record<'bwrap' | 'seatbelt', string> = {
  bwrap: 'install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)',
  seatbelt: 'sandbox-exec is part of macOS',
};

/**
 * The sandbox a run uses. "auto" takes the best one that works here (bwrap on Linux, Seatbelt on
 * macOS) and falls back to none with a notice; a named one that cannot run is refused, since the
 * user asked for that protection by name.
 */
export function detectSandbox(
  mode: SandboxMode,
  opts: { platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv } = {},
): Detected {
  const platform = opts.platform ?? process.platform;
  const env = opts.env ?? process.env;
  if (mode === 'none')
    return {
      kind: 'none',
      notice:
        'factory: sandbox "none": the check, scripts and run_command run unsandboxed, with all your rights',
    };
  const kind: 'bwrap' | 'seatbelt' | null =
    mode === 'auto' ? (platform === 'linux' ? 'bwrap' : platform === 'darwin' ? 'seatbelt' : null) : mode;
  const why = (() => {
    if (!kind) return `no sandbox is known for ${platform}`;
    const program = find(kind, env);
    if (!program) return `${kind === 'bwrap' ? 'bwrap' : 'sandbox-exec'} not found`;
    const failed = probe(kind, program);
    return failed ? `${path.basename(program)} cannot run here: ${failed}` : { program };
  })();
  if (typeof why !== 'string') return { kind: kind!, program: why.program };
  if (mode !== 'auto')
    throw refuse(
      `sandbox "${mode}" is not available: ${why}`,
      `${INSTALL[mode]}, or set sandbox.mode to "auto" or "none"`,
    );
  return {
    kind: 'none',
    notice: `factory: no sandbox (${why}); the check, scripts and run_command run unsandboxed. ${kind ? INSTALL[kind] : 'set sandbox.mode to "none"'} to fix this`,
  };
}
