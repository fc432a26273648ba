/**
 * Whether Chromium can keep its own sandbox. Chromium refuses to start as root with its sandbox
 * on, and on Linux its sandbox needs unprivileged user namespaces (or a setuid helper most
 * distribution packages no longer ship); where neither works it would not start at all. So
 * --no-sandbox is used only then: as root, or when the kernel says user namespaces are off.
 * The page is the user's own app on 127.0.0.1 or a file in the worktree, not the open web.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface SandboxDecision {
  sandbox: boolean;
  /** Why the sandbox is off; absent when it is on. */
  reason?: string;
}

/** Reads a /proc/sys value, or undefined where the kernel has no such setting. */
function sysctl(procRoot: string, name: string): string | undefined {
  try {
    return readFileSync(path.join(procRoot, 'sys', name), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Why unprivileged user namespaces are unavailable on this Linux, or undefined when nothing
 * says so. `procRoot` is /proc (a test passes a folder laid out the same way).
 */
export function usernsUnavailable(procRoot = '/proc'): string | undefined {
  if (sysctl(procRoot, 'kernel/unprivileged_userns_clone') === '0')
    return 'kernel.unprivileged_userns_clone is 0';
  if (sysctl(procRoot, 'user/max_user_namespaces') === '0') return 'user.max_user_namespaces is 0';
  return undefined;
}

export interface SandboxFacts {
  platform: NodeJS.Platform;
  /** The effective user id; undefined where there is none (Windows). */
  uid: number | undefined;
  /** See usernsUnavailable(). */
  userns: string | undefined;
}

export function sandboxDecision(f: SandboxFacts): SandboxDecision {
  if (f.uid === 0) return { sandbox: false, reason: 'running as root, where Chromium refuses its sandbox' };
  if (f.platform === 'linux' && f.userns)
    return { sandbox: false, reason: `user namespaces are unavailable (${f.userns})` };
  return { sandbox: true };
}

/** The decision for this process on this machine. */
export function chromiumSandbox(): SandboxDecision {
  return sandboxDecision({
    platform: process.platform,
    uid: process.geteuid?.(),
    userns: process.platform === 'linux' ? usernsUnavailable() : undefined,
  });
}
