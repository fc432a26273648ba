import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chat } from '../../src/llm/client.js';
import { startScriptedServer, type ScriptedServer } from '../../src/scripted-server/index.js';
import { projectRoot } from '../helpers/git-repo.js';
import { scriptedEndpoint } from '../helpers/scripted-endpoint.js';

const seed = (name: string) => path.join(projectRoot, 'fixtures/eval/seeds', name, 'script.json');
const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('a scripted server with several scripts', () => {
  it('serves the replies of every script, each chosen by what the request holds', async () => {
    const server = await startScriptedServer({ script: [seed('calendar'), seed('mlp')], dialect: 'mlx' });
    servers.push(server);
    const ask = (user: string) =>
      chat(scriptedEndpoint(server), {
        messages: [
          { role: 'system', content: 'You are the Coder.' },
          { role: 'user', content: user },
        ],
        maxTokens: 4000,
      });
    expect((await ask('Print the calendar of March 2026')).content).toContain("Zeller's congruence");
    expect((await ask('trains a 2-layer neural network')).content).toContain('size=(hidden, 2)');
    expect(
      (await ask('trains a 2-layer neural network; Suggested fix: W1 must have shape (2, hidden) so'))
        .content,
    ).toContain('size=(2, hidden)');
    expect(server.requests.map((r) => r.replyIndex)).toEqual([0, 4, 3]);
  });
});
