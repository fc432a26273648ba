/**
 * The OS sandbox every command a model wrote runs in (the check, a script task's script,
 * `run_command`, `worktree.setup`). Not to be confused with `../sandbox.ts`, which confines the
 * paths of the model's file edits.
 */

/** What the configuration asks for. */
export type SandboxMode = 'auto' | 'bwrap' | 'seatbelt' | 'none';

/** What actually runs. */
export type SandboxKind = 'bwrap' | 'seatbelt' | 'none';

/** The `sandbox` section of the configuration, as the executor needs it. */
export interface SandboxSettings {
  mode: SandboxMode;
  /** Folders the command may write besides the worktree and the private /tmp (`~/` allowed). */
  writable: string[];
  /** Paths under $HOME (or elsewhere) the command may read although $HOME is hidden (`~/` allowed). */
  readable: string[];
  /** Network for the check, script tasks and run_command. */
  network: boolean;
  /** Network for worktree.setup (it usually installs dependencies). */
  setupNetwork: boolean;
  /** Variables passed on although the secret rules would remove them, e.g. DATABASE_URL. */
  envAllow: string[];
  /** More variables to remove; `*` matches any run of characters, e.g. "MYCORP_*". */
  envDeny: string[];
}

/** The decision for one run: which sandbox, and the settings it applies. */
export interface SandboxPlan {
  kind: SandboxKind;
  /** The sandbox program, absolute (`bwrap`, `sandbox-exec`); absent for `none`. */
  program?: string;
  writable: string[];
  readable: string[];
  /** Toolchain folders on PATH under $HOME (e.g. ~/.nvm/versions/node/v20/bin), kept readable. */
  exposed?: string[];
  network: boolean;
  /** The user's real home, hidden (bwrap) or partly denied (Seatbelt). */
  home: string;
  envAllow: string[];
  envDeny: string[];
  /** The one-line notice a run prints when it goes unsandboxed; absent when sandboxed. */
  notice?: string;
}

/** The program and arguments to spawn for `sh -c command`, and its environment. */
export interface SpawnSpec {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export const DEFAULT_SANDBOX_SETTINGS: SandboxSettings = {
  mode: 'auto',
  writable: [],
  readable: [],
  network: false,
  setupNetwork: true,
  envAllow: [],
  envDeny: [],
};
