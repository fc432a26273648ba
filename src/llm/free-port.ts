import net from 'node:net';
import { readFile } from 'node:fs/promises';

/**
 * A port nobody listens on right now, for a server about to start.
 *
 * Why not simply listen on port 0: the OS then picks from its ephemeral range, the range it also
 * gives every outgoing connection's local end. Between this probe and the server's own listen,
 * any localhost connection (another test, the queue, a browser) may take that very port, and the
 * server dies with "address in use". So the port is drawn from below the ephemeral range, where
 * only an explicit listen can take it, and checked by listening on it.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const low = 10000;
  const high = (await ephemeralLow()) - 1;
  if (high - low >= 1000) {
    for (let tries = 0; tries < 50; tries++) {
      const port = low + Math.floor(Math.random() * (high - low + 1));
      if ((await tryListen(host, port)) !== null) return port;
    }
  }
  const any = await tryListen(host, 0);
  if (any === null) throw new Error(`no free port on ${host}`);
  return any;
}

/** The first port of the OS's ephemeral range: Linux says it; elsewhere, 32768 keeps clear of Linux's and macOS's defaults. */
async function ephemeralLow(): Promise<number> {
  const text = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '');
  const low = Number(text.trim().split(/\s+/)[0]);
  return Number.isInteger(low) && low > 0 ? low : 32768;
}

/** Listens on the port and lets it go: the port, or null when it is taken or not allowed. */
function tryListen(host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(null));
    srv.listen({ port, host, exclusive: true }, () => {
      const got = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(got));
    });
  });
}
