/**
 * A folder served over real HTTP on 127.0.0.1 (node:http), as a user's dev server would: files
 * by path, 404 for anything missing. A test can hold the requests for one path (`gate`) until it
 * releases them, to catch a page mid-load.
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface StaticSite {
  url: string;
  /** Every path requested so far, in order. */
  requested: string[];
  /** Lets the held requests (and any later ones) through. */
  release: () => void;
  close: () => Promise<void>;
}

export async function serveFolder(root: string, opts: { gate?: string } = {}): Promise<StaticSite> {
  const held: (() => void)[] = [];
  let open = opts.gate === undefined;
  const requested: string[] = [];
  const server: Server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requested.push(pathname);
    const answer = async () => {
      const file = path.join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
      if (!file.startsWith(root + path.sep)) return void res.writeHead(403).end();
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    };
    if (!open && pathname === opts.gate) held.push(() => void answer());
    else void answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requested,
    release: () => {
      open = true;
      for (const go of held.splice(0)) go();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
