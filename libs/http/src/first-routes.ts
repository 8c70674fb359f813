// Routes answered on node:http before express and Nest see the request: for a route so
// hot that express's middleware chain (router matching per middleware, body-parser's
// stream and iconv decoding, res.json's ETag) costs more than the route's own work.
// A first route gets what the chain would have given it: the correlation id, the HTTP
// metrics, a JSON body of at most the service's limit, checked for depth and width, and
// problem+json for every error, with the same statuses and messages. Whatever it does not
// take as plain JSON (another content type, a charset, a compressed body, an absolute-form
// URL) goes on to express unchanged, where the route's middleware answers it as before.
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { JSON_LIMITS, jsonLimitProblem } from '@hookline/contracts';
import { correlation, labelRoute, sanitize } from '@hookline/observability';
import { readBody } from './body-reader';
import type { ProblemFilter } from './problem.filter';
import { PayloadTooLargeError, ValidationError } from './problems';

export interface FirstRoute {
  method: 'POST' | 'PUT' | 'PATCH';
  /** The exact path (a query string is allowed and ignored, as express's req.path does). */
  path: string;
  /**
   * Answers the request (sendJson); an error thrown or rejected is answered as problem+json.
   * `correlationId` is the request's (given or new, and sent back).
   */
  handle(req: IncomingMessage, res: ServerResponse, body: unknown, correlationId: string): Promise<void>;
  /**
   * false: the request is answered outside any correlation scope, so nothing of it pays for
   * the scope's async hooks (libs/observability/src/correlation.ts); the route passes
   * `correlationId` on itself where it matters. Default: inside a scope, as express's chain.
   */
  scope?: boolean;
}

export interface FirstRouteOptions {
  problems: ProblemFilter;
  /** The request metrics' timer (httpMetrics), when metrics are on. */
  timed?: (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  bodyLimitBytes: number;
  /** The limit as the express path words it in its 413 ("256kb"). */
  bodyLimitText: string;
}

const JSON_TYPE = /^application\/(?:json|[a-z0-9.+-]*\+json)$/;

/** Whether a Content-Type is JSON in UTF-8 (the only JSON between systems, RFC 8259 §8.1). */
export function isUtf8JsonType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semi = contentType.indexOf(';');
  const type = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (!JSON_TYPE.test(type)) return false;
  if (semi < 0) return true;
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1]?.toLowerCase();
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

/** The first route for this request, or undefined when express should have it. */
export function firstRouteFor(routes: readonly FirstRoute[], method: string | undefined, url: string | undefined, headers: IncomingMessage['headers']): FirstRoute | undefined {
  if (url === undefined || url.charCodeAt(0) !== 47 /* '/' */) return undefined;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const route = routes.find((r) => r.method === method && r.path === path);
  if (!route) return undefined;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') return undefined;
  return isUtf8JsonType(headers['content-type']) ? route : undefined;
}

/**
 * The body as body-parser's json() with strict: false reads it: UTF-8 without a BOM (bytes
 * that are not UTF-8 refused, as bootstrap's verifyUtf8 does), an empty body as {}, any
 * JSON value; then the depth and width limits every service applies.
 */
export function parseJsonBody(raw: Buffer): unknown {
  if (!isUtf8(raw)) throw new ValidationError([{ field: 'body', message: 'the body is not valid UTF-8' }]);
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ValidationError([{ field: 'body', message: `malformed JSON: ${(err as Error).message}`.trim() }]);
  }
  const problem = jsonLimitProblem(value, JSON_LIMITS);
  if (problem) throw new ValidationError([problem]);
  return value;
}

/** Answers with a JSON body, as res.json would (without an ETag, which no client of a write uses). */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

async function answer(route: FirstRoute, req: IncomingMessage, res: ServerResponse, correlationId: string, opts: FirstRouteOptions): Promise<void> {
  let read: Awaited<ReturnType<typeof readBody>>;
  try {
    read = await readBody(req, opts.bodyLimitBytes);
  } catch {
    // The caller went away mid-body: nobody is left to answer.
    res.destroy();
    return;
  }
  try {
    if (!read.ok) throw read.status === 413 ? new PayloadTooLargeError(opts.bodyLimitText) : new ValidationError([{ field: 'body', message: read.message }]);
    await route.handle(req, res, parseJsonBody(read.body), correlationId);
  } catch (err) {
    opts.problems.send(err, req, res);
  }
}

/**
 * Puts a handler in front of the server's request listener (Nest's express app), which
 * keeps every request `pick` leaves (undefined). A picked request is answered with its
 * correlation id (X-Correlation-Id or X-Request-Id, else a new one, sent back and given to
 * `answer`) and timed by the request metrics, as express's chain would have done. It runs
 * inside a correlation scope until its response closes, unless `scope` is false: then
 * nothing of it pays for the scope's async hooks, and `answer` passes the id on itself
 * (webhook-listener's ingest, see libs/observability/src/correlation.ts).
 */
export function serveBeforeExpress<T>(
  server: Server,
  pick: (req: IncomingMessage) => T | undefined,
  answer: (req: IncomingMessage, res: ServerResponse, picked: T, correlationId: string) => void,
  timed?: FirstRouteOptions['timed'],
  opts: { scope?: boolean | ((picked: T) => boolean) } = {},
): void {
  const rest = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const picked = pick(req);
    if (picked === undefined) {
      for (const l of rest) l.call(server, req, res);
      return;
    }
    const given = req.headers['x-correlation-id'] ?? req.headers['x-request-id'];
    const id = sanitize(Array.isArray(given) ? given[0] : given) ?? randomUUID();
    const go = () => {
      res.setHeader('X-Correlation-Id', id);
      if (timed) timed(req, res, () => answer(req, res, picked, id));
      else answer(req, res, picked, id);
    };
    const scoped = typeof opts.scope === 'function' ? opts.scope(picked) : opts.scope !== false;
    if (scoped) correlation.runUntilClosed(id, res, go);
    else go();
  });
}

/** Puts the first routes in front of the server's request listener (Nest's express app), which keeps everything else. */
export function serveFirst(server: Server, routes: readonly FirstRoute[], opts: FirstRouteOptions): void {
  if (routes.length === 0) return;
  serveBeforeExpress(
    server,
    (req) => firstRouteFor(routes, req.method, req.url, req.headers),
    (req, res, route, correlationId) => {
      labelRoute(req, route.path);
      void answer(route, req, res, correlationId, opts);
    },
    opts.timed,
    { scope: (route) => route.scope !== false },
  );
}
