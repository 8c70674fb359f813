// Starts webhook-listener. Like runHttpService (@hookline/http) in everything but bodies:
// /hooks/* is taken off node:http before Nest and express see it, because a listener
// must check the token before reading the body, count bytes before and after
// decompression, and verify signatures over the exact bytes sent, and because it is the
// hot path (express's router, middleware chain and response helpers cost more than the
// ingest's own work). The rest of its API only reads (GET), so no body parser is
// installed at all.
import 'reflect-metadata';
import type { Server } from 'node:http';
import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { HttpConfig } from '@hookline/config';
import { answerClientErrors, keepIdleConnections } from '@hookline/contracts';
import { correlationMiddleware, createValidationPipe, installMetrics, ProblemFilter, collectStartupGarbage, scheduleMallocTrim, serveBeforeExpress, type RequestTimer } from '@hookline/http';
import { LOGGER, Logger, PinoNestLogger } from '@hookline/observability';
import { IngestService } from './ingest/ingest.service';
import { hookUrl } from './ingest/request-parts';

/** Puts /hooks/* in front of the server's request listener (Nest's express app), which keeps everything else. */
function serveHooksFirst(server: Server, ingest: IngestService, timed?: RequestTimer): void {
  // The route is labelled by the ingest, which knows the listener's route template. No
  // correlation scope: the ingest passes the request's id on itself (to its messages and its
  // log lines), and its requests do not pay for the scope's async hooks.
  serveBeforeExpress(server, (req) => hookUrl(req.url), (req, res, url, correlationId) => ingest.handle(req, res, url, correlationId), timed, { scope: false });
}

export async function runListenerService(module: DynamicModule, config: HttpConfig & { service: string }): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true, bodyParser: false });
  const logger = app.get<Logger>(LOGGER);
  app.useLogger(new PinoNestLogger(logger));
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  const timed = await installMetrics(app, config);
  app.use(correlationMiddleware);
  app.useGlobalFilters(new ProblemFilter(logger));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  serveHooksFirst(app.getHttpServer() as Server, app.get(IngestService), timed);
  answerClientErrors(app.getHttpServer() as Server);
  keepIdleConnections(app.getHttpServer() as Server);
  await app.listen(config.listenPort, config.listenHost);
  const address = app.getHttpServer().address() as { port: number };
  logger.info({ url: `http://${config.listenHost}:${address.port}` }, `${config.service} listening`);
  collectStartupGarbage(logger);
  scheduleMallocTrim({ intervalMs: config.mallocTrimIntervalMs });
  return app;
}
