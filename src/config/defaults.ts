import type { Config } from './schema.js';

/**
 * What configSchema.parse({}) gives, written out so that a command run with nothing configured
 * needs neither zod nor the schema (a third of `factory list`'s start-up). The schema stays the
 * one source: test/config/defaults.test.ts fails when the two differ, and prints the object to
 * paste here. JSON text, so every caller gets its own copy to change.
 */
const DEFAULTS_JSON = JSON.stringify({
  server: {
    baseURL: 'http://127.0.0.1:8080/v1',
    model: 'mlx-community/Qwen2.5-Coder-7B-Instruct-4bit',
    apiKey: 'local',
    command: ['mlx_lm.server', '--model', '{model}', '--host', '{host}', '--port', '{port}'],
    concurrency: 1,
    idleShutdown: 10,
    contextSize: null,
    endpoints: [],
    memory: null,
  },
  agent: {
    maxAttempts: 5,
    executionTimeout: 60,
    llmTimeout: 120,
    firstTokenTimeout: 300,
    maxTokensPerTurn: 8192,
    totalTokenBudget: 100000,
    temperature: 0,
    stagnationThreshold: 3,
    runCommand: false,
    tools: 'auto',
    prompts: { coder: null, coderScript: null, sheriff: null, describer: null, spec: null, planner: null },
  },
  check: 'npm test',
  parallel: 2,
  worktree: { dir: null, copy: [], link: [], keep: [], setup: null, pool: 2, maxFileSize: 5 },
  sandbox: {
    mode: 'auto',
    writable: [],
    readable: [],
    network: false,
    setupNetwork: true,
    envAllow: [],
    envDeny: [],
  },
  visual: null,
} satisfies Config);

/** A fresh copy of the default configuration. */
export function defaultValues(): Config {
  return JSON.parse(DEFAULTS_JSON) as Config;
}
