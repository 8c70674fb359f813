// The gateway's proxy: a request whose path has a service's prefix is passed to that
// service as it comes (body streamed, not read first), over keep-alive connections of
// node:http's client. (undici's stream() took 0.08 ms of CPU per proxied request against
// node:http's 0.10, but once in a fuzz run it reset a caller's connection on an answer
// that came before the body was sent; node:http passes such an answer on.) Hop-by-hop
// headers (RFC 9110 §7.6.1) stay on their own hop, and X-Forwarded-For names the caller as
// this gateway saw it, whatever the caller claimed. Paths the gateway answers itself
// (/health, /local/...) go to a server on loopback in the launcher's main thread.
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { answerClientErrors, IDLE_CONNECTION_MS, keepIdleConnections, routeFor, type ServiceName } from '@hookline/contracts';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus Expect (answered here, by node:http). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect']);

/**
 * The headers to send on: the caller's, in their order and spelling, without the
 * hop-by-hop ones (and those Connection names), with X-Forwarded-For set to `peer`.
 */
export function forwardedHeaders(rawHeaders: readonly string[], peer: string): string[] {
  const named = namedByConnection(rawHeaders.filter((_, i) => i % 2 === 1 && rawHeaders[i - 1].toLowerCase() === 'connection'));
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || named.has(name) || name === 'x-forwarded-for') continue;
    out.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  out.push('x-forwarded-for', peer);
  return out;
}

/** The service's answer headers to pass back: all but the hop-by-hop ones (node:http frames the answer to the caller itself). */
export function answerHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const named = namedByConnection(typeof headers.connection === 'string' ? [headers.connection] : []);
  const out: Record<string, string | string[]> = {};
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined || HOP_BY_HOP.has(k) || named.has(k)) continue;
    out[k] = v;
  }
  return out;
}

/** Header names the Connection header values list: they too belong to this hop only. */
function namedByConnection(values: readonly string[]): Set<string> {
  const named = new Set<string>();
  for (const value of values) {
    for (const token of value.split(',')) {
      const t = token.trim().toLowerCase();
      if (t && t !== 'close' && t !== 'keep-alive') named.add(t);
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
  /** How long a connection to a service may sit idle before it is closed here (UPSTREAM_IDLE_MS). */
  upstreamIdleMs?: number;
  /** nginx only: each answer says how long nginx held the request (X-Hookline-Gateway-Timing), for the bench. */
  timing?: boolean;
}

export interface Proxy {
  port: number;
  close(): Promise<void>;
}

/** Below the services' IDLE_CONNECTION_MS (65 s): 60 s. */
export const UPSTREAM_IDLE_MS = IDLE_CONNECTION_MS - 5_000;

/** The 404 of a path no service has: problem+json naming the method and path. */
export function answerNoRoute(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  res.writeHead(404, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'https://hookline.dev/problems/not-found', title: 'Not found', status: 404, detail: `no route for ${req.method} ${path}` }));
}

const UNAVAILABLE = (detail: string) => JSON.stringify({ type: 'https://hookline.dev/problems/unavailable', title: 'Service unavailable', status: 503, detail });

export function startProxy(opts: ProxyOptions): Promise<Proxy> {
  // Keep-alive connections to the services, as many as requests in flight; destroyed on
  // close. One idle for UPSTREAM_IDLE_MS is closed here, before the service would close it
  // (IDLE_CONNECTION_MS): a request sent on a connection the service is closing that
  // instant fails, and a POST cannot be sent again.
  const agent = new Agent({ keepAlive: true, timeout: opts.upstreamIdleMs ?? UPSTREAM_IDLE_MS });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const own = path === '/health' || path.startsWith('/local/');
    const service = own ? undefined : routeFor(path);
    if (!own && !service) {
      answerNoRoute(req, res);
      return;
    }
    forward(agent, service ? opts.upstreams[service] : opts.ownPort, req, res, service ?? 'the launcher');
  });
  keepIdleConnections(server);
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
          agent.destroy();
        },
      });
    });
  });
}

function forward(agent: Agent, port: number, req: IncomingMessage, res: ServerResponse, name: string): void {
  const up = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: forwardedHeaders(req.rawHeaders, req.socket.remoteAddress ?? ''), agent }, (answer) => {
    const out = answerHeaders(answer.headers);
    res.writeHead(answer.statusCode ?? 502, out);
    // A Server-Sent Events stream (an integration job's state) is passed on as it comes:
    // headers at once, each event without waiting for more (no Nagle, no buffering).
    if (/^text\/event-stream/i.test(String(out['content-type'] ?? ''))) {
      res.flushHeaders();
      res.socket?.setNoDelay(true);
    }
    answer.pipe(res);
  });
  // The caller went away (a page closed with an event stream open): so does the request to the service.
  res.on('close', () => {
    if (!res.writableFinished) up.destroy();
  });
  up.on('error', (err: Error & { code?: string }) => {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' });
    res.end(UNAVAILABLE(`${name} is not answering${err.code ? ` (${err.code})` : ''}`));
  });
  if (hasBody(req.headers)) req.pipe(up);
  else up.end();
}
