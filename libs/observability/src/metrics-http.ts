// HTTP metrics and the /metrics endpoint, at the level of node:http (request and
// response), so they cover what a service answers outside its framework's router too:
// the registry's POST /v1/events and the webhook-listener's /hooks/*.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Metrics } from './metrics';
import { methodLabel, routeLabel, statusClass } from './metrics-labels';

export const METRICS_PATH = '/metrics';

const explicitRoutes = new WeakMap<IncomingMessage, string>();

/** Names the route template of a request answered outside the router (e.g. "/v1/events"), for the HTTP metrics. */
export function labelRoute(req: IncomingMessage, template: string): void {
  explicitRoutes.set(req, template);
}

type Next = (err?: unknown) => void;

/**
 * Middleware (express-compatible) that times every request from here to the last byte
 * of its answer (or the client going away) and records it by method, route template and
 * status class. `prefixes`: paths a whole handler serves, labelled "<prefix>*" when no
 * router template matched (the public route table's prefixes).
 */
export function httpMetrics(metrics: Metrics, prefixes: readonly string[] = []): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const duration = metrics.histogram('httpDuration');
  return (req, res, next) => {
    const started = performance.now();
    res.once('close', () => {
      const r = req as IncomingMessage & { route?: { path?: unknown }; originalUrl?: string };
      const path = (r.originalUrl ?? req.url ?? '/').split('?')[0];
      const labels = {
        method: methodLabel(req.method),
        route: routeLabel({ explicit: explicitRoutes.get(req), routePath: r.route?.path, path }, prefixes),
        status_class: statusClass(res.statusCode, res.writableFinished),
      };
      duration.observe(labels, (performance.now() - started) / 1000);
    });
    next();
  };
}

/** Answers GET /metrics with the exposition; passes anything else on. */
export function metricsHandler(metrics: Metrics): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  return (req, res, next) => {
    if ((req.url ?? '').split('?')[0] !== METRICS_PATH) {
      next();
      return;
    }
    labelRoute(req, METRICS_PATH);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    metrics.exposition().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: Error) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics could not be collected: ${err.message}\n`);
      },
    );
  };
}

/**
 * /metrics on a port of its own (HOOKLINE_METRICS_PORT), so a network policy can let the
 * monitoring namespace reach the metrics and nothing else. Everything else there is 404.
 */
export function serveMetrics(metrics: Metrics, host: string, port: number): Promise<Server> {
  const handle = metricsHandler(metrics);
  const server = createServer((req, res) => handle(req, res, () => res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n')));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
