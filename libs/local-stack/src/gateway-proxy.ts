// The gateway's proxy: a request whose path has a service's prefix is passed to that
// service as it comes (body streamed, not read first), over keep-alive connections of
// node:http's client. (undici's stream() took 0.08 ms of CPU per proxied request against
// node:http's 0.10, but once in a fuzz run it reset a caller's connection on an answer that
// came before the body was sent; node:http passes such an answer on.) Hop-by-hop headers (RFC 9110 §7.6.1) stay on their own
// hop, and X-Forwarded-For names the caller as this gateway saw it, whatever the caller
// claimed. Paths the gateway answers itself (/health, /local/...) go to `own`, a server
// on loopback in the launcher's main thread.
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
  // Keep-alive connections to the services, as many as requests in flight.
  const agent = new Agent({ keepAlive: true, keepAliveMsecs: 30_000 });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const own = path === '/health' || path.startsWith('/local/');
    const service = own ? undefined : routeFor(path);
    if (!own && !service) {
      res.writeHead(404, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'https://hookline.dev/problems/not-found', title: 'Not found', status: 404, detail: `no route for ${req.method} ${path}` }));
      return;
    }
    forward(agent, service ? opts.upstreams[service] : opts.ownPort, req, res, service ?? 'the launcher');
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
  up.on('error', () => {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' });
    res.end(UNAVAILABLE(`${name} is not answering`));
  });
  if (hasBody(req.headers)) req.pipe(up);
  else up.end();
}
