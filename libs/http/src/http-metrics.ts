// Prometheus metrics at the HTTP edge of every service: the request metrics (installed
// first, so they time everything, routes answered outside Nest's router included) and
// GET /metrics, on the service's port or on a port of its own (HOOKLINE_METRICS_PORT).
// /metrics is not in the public route table: neither the gateway nor the ingress routes
// it; Prometheus scrapes each pod directly.
import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { HttpConfig } from '@hookline/config';
import { PUBLIC_ROUTES } from '@hookline/contracts';
import { httpMetrics, LOGGER, metricsHandler, Metrics, serveMetrics, type Logger } from '@hookline/observability';

/** Paths a whole handler serves: a request no route template matched is labelled with its prefix. */
const PREFIXES = PUBLIC_ROUTES.map((r) => r.prefix);

/** The request timer installed, for routes answered before express (first-routes.ts). */
export type RequestTimer = ReturnType<typeof httpMetrics>;

/** Call before any other middleware. Does nothing with HOOKLINE_METRICS=false. */
export async function installMetrics(app: INestApplication, config: HttpConfig): Promise<RequestTimer | undefined> {
  if (!config.metrics) return undefined;
  const metrics = app.get(Metrics);
  metrics.collectDefaults();
  const timed = httpMetrics(metrics, PREFIXES);
  app.use(timed);
  if (config.metricsPort === undefined) {
    app.use(metricsHandler(metrics));
    return timed;
  }
  const server: Server = await serveMetrics(metrics, config.listenHost, config.metricsPort);
  app.getHttpServer().once('close', () => server.close());
  const port = (server.address() as { port: number }).port;
  app.get<Logger>(LOGGER).info({ url: `http://${config.listenHost}:${port}/metrics` }, 'metrics on a port of their own');
  return timed;
}
