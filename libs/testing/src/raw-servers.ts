// Servers that misbehave on purpose, for the fault and SSRF suites: a canary that only
// counts the connections that reach it, and a receiver that trickles its answer one
// byte at a time.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { ReceivedRequest } from './receiver';

export interface Canary {
  port: number;
  /** The addresses it listens on (the same port on each). */
  hosts: string[];
  /** Connections accepted so far, with where they came in. */
  hits: { host: string; at: number; firstBytes: string }[];
  connections(): number;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/**
 * Listens on one port on every given address (loopback ones by default) and counts
 * every connection. An address this machine does not have (no IPv6) is left out;
 * hosts says which were bound. A request that does get through is answered 200, as a
 * real internal service would, so a leak could not hide behind a failed attempt.
 */
export async function startCanary(hosts: string[] = ['127.0.0.1', '::1']): Promise<Canary> {
  for (let tries = 0; ; tries++) {
    const servers: Server[] = [];
    const bound: string[] = [];
    const hits: Canary['hits'] = [];
    let port = 0;
    try {
      for (const host of hosts) {
        const server = createNetServer((socket: Socket) => {
          const hit = { host, at: Date.now(), firstBytes: '' };
          hits.push(hit);
          socket.once('data', (d: Buffer) => {
            hit.firstBytes = d.toString('latin1').slice(0, 200);
            const body = '{"access_token":"canary","token_type":"Bearer","expires_in":3600}';
            socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
          });
          socket.on('error', () => undefined);
          setTimeout(() => socket.destroy(), 2000).unref();
        });
        try {
          port = await listen(server, port, host);
          servers.push(server);
          bound.push(host);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          // The machine lacks this address (e.g. no IPv6): leave it out.
          if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') continue;
          throw err;
        }
      }
      if (bound.length === 0) throw new Error(`the canary could bind none of ${hosts.join(', ')}`);
      return {
        port,
        hosts: bound,
        hits,
        connections: () => hits.length,
        close: async () => {
          await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
        },
      };
    } catch (err) {
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      // The port picked on the first address may be taken on another: try another port.
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && tries < 10) continue;
      throw err;
    }
  }
}

export interface TrickleReceiver {
  url: string;
  port: number;
  /** Every request received in full (the answer is what trickles). */
  requests: ReceivedRequest[];
  /** How long each trickled exchange lasted until the client gave up, in ms. */
  cutAfterMs: number[];
  /** While true, answers trickle one byte per interval; when false, a plain 200 at once. */
  trickling: boolean;
  close(): Promise<void>;
}

/**
 * A receiver that accepts the connection and the request, then answers one byte at a
 * time: either the status line itself ('status-line': no headers ever arrive in time) or
 * a prompt 200 whose body trickles ('body': each byte comes well within any idle
 * timeout, so only a total deadline can stop it).
 */
export async function startTrickleReceiver(opts: { mode: 'status-line' | 'body'; intervalMs?: number; host?: string } = { mode: 'body' }): Promise<TrickleReceiver> {
  const interval = opts.intervalMs ?? 1000;
  const host = opts.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const receiver: TrickleReceiver = {
    url: '',
    port: 0,
    requests: [],
    cutAfterMs: [],
    trickling: true,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
      receiver.requests.push({ method: req.method ?? '', url: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      if (!receiver.trickling) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      const started = Date.now();
      const socket = req.socket;
      const body = 'x'.repeat(64);
      // status-line: the whole answer, byte by byte, straight onto the socket.
      const raw = `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
      let i = 0;
      if (opts.mode === 'body') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(body.length) });
        res.flushHeaders();
      }
      const timer = setInterval(() => {
        if (opts.mode === 'body') {
          if (i < body.length) res.write(body[i++]);
          else {
            clearInterval(timer);
            res.end();
          }
        } else if (i < raw.length) socket.write(raw[i++]);
        else clearInterval(timer);
      }, interval);
      socket.once('close', () => {
        clearInterval(timer);
        receiver.cutAfterMs.push(Date.now() - started);
      });
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  receiver.port = (server.address() as { port: number }).port;
  receiver.url = `http://${host.includes(':') ? `[${host}]` : host}:${receiver.port}`;
  return receiver;
}
