import type { Config } from '../config/schema.js';
import { resolvePlan, type SandboxMode, type SandboxPlan } from '../agent/os-sandbox/index.js';

/**
 * The sandbox plans of one run: per mode (a task file may override the configured one) and
 * purpose (setup has its own network setting). Each is resolved once: detection spawns a probe.
 * Resolving every mode a run needs before any task is created means a sandbox named explicitly
 * that cannot run here is refused before anything changed.
 */
export class SandboxPlans {
  private readonly plans = new Map<string, SandboxPlan>();
  private readonly told = new Set<string>();

  constructor(
    private readonly config: Config,
    private readonly repoRoot: string,
    /** Where the one-line "unsandboxed" notice goes, once per distinct notice. */
    private readonly onNotice: (line: string) => void = () => {},
  ) {}

  get(mode: SandboxMode | undefined, purpose: 'check' | 'setup'): SandboxPlan {
    const m = mode ?? this.config.sandbox.mode;
    const key = `${m}:${purpose}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = resolvePlan({ ...this.config.sandbox, mode: m }, { purpose, repoRoot: this.repoRoot });
      this.plans.set(key, plan);
    }
    if (plan.notice && !this.told.has(plan.notice)) {
      this.told.add(plan.notice);
      this.onNotice(plan.notice);
    }
    return plan;
  }
}
