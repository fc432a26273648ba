/**
 * freePort hands out ports an outgoing connection cannot take before the server listens: ones
 * below the OS's ephemeral range, and never one somebody already listens on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import { freePort } from '../../src/llm/free-port.js';

const servers: net.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

describe('freePort', () => {
  it('gives a port below the ephemeral range that a server can then listen on', async () => {
    const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '32768 60999');
    const low = Number(range.trim().split(/\s+/)[0]);
    const ports = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      expect(port).toBeGreaterThanOrEqual(10000);
      expect(port).toBeLessThan(low);
      servers.push(await listen(port));
      ports.add(port);
    }
    // Each was free when given, and the earlier ones were listened on: no port came twice.
    expect(ports.size).toBe(20);
  });
});
