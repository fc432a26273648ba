import { describe, expect, it } from 'vitest';
import { leaves } from '../../src/config/fields.js';
import { configSchema, DEFAULT_CONFIG } from '../../src/config/schema.js';

describe('configSchema', () => {
  it('fills every default of the design from an empty object', () => {
    expect(DEFAULT_CONFIG).toEqual({
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
        prompts: {
          coder: null,
          coderScript: null,
          sheriff: null,
          describer: null,
          spec: null,
          planner: null,
        },
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
    });
  });

  it('keeps the shared defaults from being changed by a caller', () => {
    expect(() => {
      (DEFAULT_CONFIG.agent as { maxAttempts: number }).maxAttempts = 9;
    }).toThrow(TypeError);
    expect(configSchema.parse({}).agent.maxAttempts).toBe(5);
  });

  it('fills the rest of a section that is given in part', () => {
    const c = configSchema.parse({ agent: { maxAttempts: 2 }, server: { command: null } });
    expect(c.agent).toEqual({ ...DEFAULT_CONFIG.agent, maxAttempts: 2 });
    expect(c.server.command).toBeNull();
    expect(c.server.model).toBe(DEFAULT_CONFIG.server.model);
  });

  it('rejects unknown keys at every level', () => {
    expect(configSchema.safeParse({ extra: 1 }).success).toBe(false);
    expect(configSchema.safeParse({ worktree: { extra: 1 } }).success).toBe(false);
    expect(
      configSchema.safeParse({ server: { endpoints: [{ baseURL: 'http://a/v1', extra: 1 }] } }).success,
    ).toBe(false);
  });

  it('accepts $schema and endpoints with or without their own concurrency', () => {
    const c = configSchema.parse({
      $schema: './schema.json',
      server: { endpoints: [{ baseURL: 'http://gpu:8000/v1' }, { baseURL: 'https://x/v1', concurrency: 4 }] },
    });
    expect(c.server.endpoints).toEqual([
      { baseURL: 'http://gpu:8000/v1' },
      { baseURL: 'https://x/v1', concurrency: 4 },
    ]);
  });

  it('bounds the numbers', () => {
    for (const bad of [
      { agent: { maxAttempts: 0 } },
      { agent: { maxAttempts: 1.5 } },
      { agent: { temperature: 3 } },
      { worktree: { pool: -1 } },
      { worktree: { maxFileSize: 0 } },
      { server: { idleShutdown: -1 } },
      { parallel: 0 },
    ]) {
      expect(configSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(configSchema.parse({ worktree: { pool: 0 }, server: { idleShutdown: 0 } }).worktree.pool).toBe(0);
  });

  it('lists every leaf of the design', () => {
    expect(leaves().map((l) => l.key)).toEqual([
      'server.baseURL',
      'server.model',
      'server.apiKey',
      'server.command',
      'server.concurrency',
      'server.idleShutdown',
      'server.contextSize',
      'server.endpoints',
      'server.memory',
      'agent.maxAttempts',
      'agent.executionTimeout',
      'agent.llmTimeout',
      'agent.firstTokenTimeout',
      'agent.maxTokensPerTurn',
      'agent.totalTokenBudget',
      'agent.temperature',
      'agent.stagnationThreshold',
      'agent.runCommand',
      'agent.tools',
      'agent.prompts.coder',
      'agent.prompts.coderScript',
      'agent.prompts.sheriff',
      'agent.prompts.describer',
      'agent.prompts.spec',
      'agent.prompts.planner',
      'check',
      'parallel',
      'worktree.dir',
      'worktree.copy',
      'worktree.link',
      'worktree.keep',
      'worktree.setup',
      'worktree.pool',
      'worktree.maxFileSize',
      'sandbox.mode',
      'sandbox.writable',
      'sandbox.readable',
      'sandbox.network',
      'sandbox.setupNetwork',
      'sandbox.envAllow',
      'sandbox.envDeny',
      'visual.start',
      'visual.url',
      'visual.ready',
      'visual.readyTimeout',
      'visual.viewports',
      'visual.describer.baseURL',
      'visual.describer.model',
      'visual.describer.apiKey',
      'visual.describer.command',
      'visual.describer.memory',
      'visual.paths',
      'visual.browser',
    ]);
  });
});
