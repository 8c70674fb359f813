// The local stand-in for the Kubernetes ingress: one base URL, routed by path prefix.
import { createServer, request, Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { answerClientErrors, routeFor, type ServiceName } from '@hookline/contracts';
import type { ProcessStatus } from './supervisor';

export interface Gateway {
  url: string;
  close(): Promise<void>;
}

/** Pages only a local stack has (under /local/: the demo host's sign-in, the mail sink); true when answered. */
export type LocalPages = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface GatewayOptions {
  /**
   * The supervised processes (`npm start`): then /health lists each one (name, state, pid,
   * restarts, readiness) and answers 503 while any is not running and ready.
   */
  status?: () => ProcessStatus[];
  /** Pages only a local stack serves, under /local/. */
  local?: LocalPages;
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

export function startGateway(host: string, port: number, upstreams: Record<ServiceName, number>, opts: GatewayOptions = {}): Promise<Gateway> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') {
      const processes = opts.status?.();
      if (!processes) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      const healthy = processes.every((p) => p.state === 'running' && p.ready !== false);
      // Process ids and exit details only to callers on this machine (npm run status).
      const fromHere = LOOPBACK.test(req.socket.remoteAddress ?? '');
      const body = { status: healthy ? 'ok' : 'degraded', processes: fromHere ? processes : processes.map((p) => ({ name: p.name, state: p.state, ready: p.ready })) };
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
      return;
    }
    const local = opts.local;
    if (local && path.startsWith('/local/')) {
      local(req, res)
        .then((answered) => {
          if (!answered) res.writeHead(404, { 'content-type': 'text/plain' }).end('no such local page');
        })
        .catch((err: Error) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`local page failed: ${err.message}`);
        });
      return;
    }
    const service = routeFor(path);
    if (!service) {
      res.writeHead(404, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'https://hookline.dev/problems/not-found', title: 'Not found', status: 404, detail: `no route for ${req.method} ${path}` }));
      return;
    }
    const upstream = request(
      { host: '127.0.0.1', port: upstreams[service], method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        // A Server-Sent Events stream (an integration job's state) is passed on as it comes:
        // headers at once, each event without waiting for more (no Nagle, no buffering).
        if (String(up.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          res.flushHeaders();
          res.socket?.setNoDelay(true);
        }
        up.pipe(res);
      },
    );
    // The client went away (a page closed with an event stream open): so does the upstream request.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on('error', () => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' });
      res.end(JSON.stringify({ type: 'https://hookline.dev/problems/unavailable', title: 'Service unavailable', status: 503, detail: `${service} is not answering` }));
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    answerClientErrors(server);
    server.listen(port, host, () => {
      const p = (server.address() as { port: number }).port;
      resolve({
        url: `http://${host}:${p}`,
        close: () => new Promise((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
      });
    });
  });
}
