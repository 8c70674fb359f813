// Starts webhook-listener. Like runHttpService (@hookline/http) in everything but bodies:
// /hooks/* is handed the raw request before any body parser runs, because a listener
// must check the token before reading the body, count bytes before and after
// decompression, and verify signatures over the exact bytes sent. The rest of its API
// only reads (GET), so no body parser is installed at all.
import 'reflect-metadata';
import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import type { HttpConfig } from '@hookline/config';
import { createValidationPipe, installMetrics, ProblemFilter } from '@hookline/http';
import { correlation, LOGGER, Logger, PinoNestLogger } from '@hookline/observability';
import { IngestService } from './ingest/ingest.service';

function correlationMiddleware(req: Request, res: Response, next: NextFunction): void {
  const given = (req.headers['x-correlation-id'] ?? req.headers['x-request-id']) as string | undefined;
  correlation.run(given, () => {
    res.setHeader('X-Correlation-Id', correlation.current() ?? '');
    next();
  });
}

export async function runListenerService(module: DynamicModule, config: HttpConfig & { service: string }): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true, bodyParser: false });
  const logger = app.get<Logger>(LOGGER);
  app.useLogger(new PinoNestLogger(logger));
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  await installMetrics(app, config);
  app.use(correlationMiddleware);
  app.use('/hooks', app.get(IngestService).handle);
  app.useGlobalFilters(new ProblemFilter(logger));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(config.listenPort, config.listenHost);
  const address = app.getHttpServer().address() as { port: number };
  logger.info({ url: `http://${config.listenHost}:${address.port}` }, `${config.service} listening`);
  return app;
}
