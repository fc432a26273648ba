/**
 * `factory server status` asks each running front for its queue with the token from that
 * server's state file, and prints everything but the token.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { serverStatus, statusText } from '../../src/cli/server-status.js';
import { startFront } from '../../src/llm/front.js';
import { newFrontToken } from '../../src/llm/front-token.js';
import { RequestQueue } from '../../src/llm/queue.js';
import { serverHome, writeState } from '../../src/llm/state.js';
import { cleanupTemps, tempDir } from '../helpers/git-repo.js';

afterAll(cleanupTemps);

describe('factory server status', () => {
  it('reads the queue of a front that requires its token, and never prints the token', async () => {
    const token = newFrontToken();
    const queue = new RequestQueue([
      { baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k', model: 'm', concurrency: 1 },
    ]);
    const front = await startFront({ host: '127.0.0.1', port: 0, queue, token });
    try {
      const baseURL = `${front.url}/v1`;
      const root = await tempDir();
      const port = Number(new URL(front.url).port);
      // This process stands in for the supervisor and the model server: both "alive".
      await writeState(
        {
          baseURL,
          daemonPid: process.pid,
          modelPid: process.pid,
          host: '127.0.0.1',
          frontPort: port,
          modelPort: 9,
          model: 'm',
          command: ['model-server'],
          startedAt: new Date().toISOString(),
          startedBy: 'user',
          idleShutdown: 0,
          logFile: '/dev/null',
          phase: 'ready',
          token,
        },
        serverHome(baseURL, root),
      );
      const report = await serverStatus(baseURL, root);
      expect(report.running).toBe(true);
      expect(report.health).toBe('ok');
      expect(report.front).toMatchObject({ queue: { total: { waiting: 0 } } });
      expect(JSON.stringify(report)).not.toContain(token);
      const text = statusText(report);
      expect(text).toContain('queue    0 waiting, 0 running');
      expect(text).not.toContain(token);
    } finally {
      await front.close();
      queue.close();
    }
  });
});
