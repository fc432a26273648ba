import { afterEach, describe, expect, it } from 'vitest';
import { quantizationIn, serverQuantization } from '../../src/eval/server-info.js';
import { startScriptedServer, type Dialect, type ScriptedServer } from '../../src/scripted-server/index.js';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function quantOf(dialect: Dialect, context?: { size: number; as?: 'lmstudio' }) {
  const server = await startScriptedServer({
    script: { replies: [], ...(context ? { context } : {}) },
    dialect,
    model: 'm',
  });
  servers.push(server);
  return serverQuantization({ baseURL: server.baseURL, model: 'm', apiKey: 'local' });
}

describe('the quantisation the server reports', () => {
  it('LM Studio in /api/v0/models, Ollama in the details of /api/show', async () => {
    expect(await quantOf('openai', { size: 8192, as: 'lmstudio' })).toBe('Q4_K_M');
    expect(await quantOf('ollama', { size: 8192 })).toBe('Q4_0');
  });

  it('is null when the server does not say (mlx_lm.server, a plain llama-server)', async () => {
    expect(await quantOf('mlx')).toBeNull();
    expect(await quantOf('llamacpp')).toBeNull();
  });

  it('reads the usual field names, at the top or in details/meta', () => {
    expect(quantizationIn({ quantization: 'Q8_0' })).toBe('Q8_0');
    expect(quantizationIn({ details: { quantization_level: 'Q5_K_M' } })).toBe('Q5_K_M');
    expect(quantizationIn({ meta: { quant: '4bit' } })).toBe('4bit');
    expect(quantizationIn({ id: 'x' })).toBeNull();
    expect(quantizationIn(null)).toBeNull();
  });
});
