// The gateway's proxy: a request whose path has a service's prefix is passed to that
// service as it comes (body streamed, not read first), through a keep-alive pool per
// service (undici's stream(): 0.08 ms of CPU per proxied request where node:http's client
// took 0.10, eight alternating rounds each on loopback). Hop-by-hop headers (RFC 9110 §7.6.1) stay on their own
// hop, and X-Forwarded-For names the caller as this gateway saw it, whatever the caller
// claimed. Paths the gateway answers itself (/health, /local/...) go to `own`, a server
// on loopback in the launcher's main thread.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { answerClientErrors, routeFor, type ServiceName } from '@hookline/contracts';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus Expect (answered here, by node:http). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'x-forwarded-for']);

/**
 * The headers to send on: the caller's, in their order and spelling, without the
 * hop-by-hop ones (and those Connection names), with X-Forwarded-For set to `peer`.
 */
export function forwardedHeaders(rawHeaders: readonly string[], peer: string): string[] {
  const named = connectionTokens(rawHeaders);
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || named?.has(name)) continue;
    out.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  out.push('x-forwarded-for', peer);
  return out;
}

/** The service's answer headers to pass back: all but the hop-by-hop ones (node:http frames the answer to the caller itself). */
export function answerHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const named = typeof headers.connection === 'string' ? connectionTokens(['connection', headers.connection]) : undefined;
  const out: Record<string, string | string[]> = {};
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined || (HOP_BY_HOP.has(k) && k !== 'x-forwarded-for') || named?.has(k)) continue;
    out[k] = v;
  }
  return out;
}

/** Header names a Connection header lists: they too belong to this hop only. */
function connectionTokens(rawHeaders: readonly string[]): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i].length !== 10 || rawHeaders[i].toLowerCase() !== 'connection') continue;
    for (const token of rawHeaders[i + 1].split(',')) {
      const t = token.trim().toLowerCase();
      if (t && t !== 'close' && t !== 'keep-alive') (named ??= new Set()).add(t);
    }
  }
  return named;
}

/** Whether a request has a body to pass on (RFC 9112 §6.3: a length or a transfer coding says so). */
export function hasBody(headers: IncomingMessage['headers']): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}

export interface ProxyOptions {
  host: string;
  port: number;
  upstreams: Record<ServiceName, number>;
  /** The port, on 127.0.0.1, of the server that answers /health and /local/... */
  ownPort: number;
}

export interface Proxy {
  port: number;
  close(): Promise<void>;
}

const UNAVAILABLE = (detail: string) => JSON.stringify({ type: 'https://hookline.dev/problems/unavailable', title: 'Service unavailable', status: 503, detail });

export function startProxy(opts: ProxyOptions): Promise<Proxy> {
  const pools = new Map<number, Pool>();
  const poolFor = (port: number): Pool => {
    let pool = pools.get(port);
    if (!pool) {
      // keepAliveTimeout below the services' (65 s): the pool closes an idle connection before the service would.
      pool = new Pool(`http://127.0.0.1:${port}`, { keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, headersTimeout: 0, bodyTimeout: 0 });
      pools.set(port, pool);
    }
    return pool;
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const own = path === '/health' || path.startsWith('/local/');
    const service = own ? undefined : routeFor(path);
    if (!own && !service) {
      res.writeHead(404, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'https://hookline.dev/problems/not-found', title: 'Not found', status: 404, detail: `no route for ${req.method} ${path}` }));
      return;
    }
    forward(poolFor(service ? opts.upstreams[service] : opts.ownPort), req, res, service ?? 'the launcher');
  });
  server.keepAliveTimeout = 65_000;
  answerClientErrors(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as { port: number }).port,
        close: async () => {
          await new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          });
          await Promise.all([...pools.values()].map((p) => p.destroy()));
        },
      });
    });
  });
}

function forward(pool: Pool, req: IncomingMessage, res: ServerResponse, name: string): void {
  const body = hasBody(req.headers) ? req : null;
  pool.stream(
    { path: req.url ?? '/', method: req.method as Dispatcher.HttpMethod, headers: forwardedHeaders(req.rawHeaders, req.socket.remoteAddress ?? ''), body },
    ({ statusCode, headers }) => {
      const out = answerHeaders(headers);
      res.writeHead(statusCode, out);
      // A Server-Sent Events stream (an integration job's state) is passed on as it comes:
      // headers at once, each event without waiting for more (no Nagle, no buffering).
      if (/^text\/event-stream/i.test(String(out['content-type'] ?? ''))) {
        res.flushHeaders();
        res.socket?.setNoDelay(true);
      }
      return res;
    },
    (err) => {
      if (!err) return;
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' });
      res.end(UNAVAILABLE(`${name} is not answering`));
    },
  );
}
