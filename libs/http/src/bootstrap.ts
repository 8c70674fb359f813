// Starts a service: validated config first (refuse to start, listing every problem),
// then Nest with pino, problem+json errors, a strict JSON body parser (size, depth and
// width bounded), correlation ids, and graceful shutdown on SIGTERM/SIGINT.
import 'reflect-metadata';
import type { Server } from 'node:http';
import { INestApplication, Type, DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import { ConfigError, ConfigSpec, HttpConfig, readConfig } from '@hookline/config';
import { answerClientErrors, keepIdleConnections, JSON_LIMITS, jsonLimitProblem } from '@hookline/contracts';
import { correlation, LOGGER, Logger, PinoNestLogger } from '@hookline/observability';
import { type FirstRoute, serveFirst } from './first-routes';
import { installMetrics } from './http-metrics';
import { scheduleMallocTrim } from './malloc-trim';
import { collectStartupGarbage } from './startup-gc';
import { ProblemFilter } from './problem.filter';
import { bodyParserProblem, verifyUtf8 } from './body-errors';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from './problems';
import { createValidationPipe } from './validation';


export const BODY_LIMIT = '256kb';
/** BODY_LIMIT in bytes (also the gRPC admin API's largest request message). */
export const BODY_LIMIT_BYTES = 256 * 1024;

/** Loads the service's config or exits with the list of what is wrong. */
export function loadServiceConfig<T>(service: string, spec: ConfigSpec<T>): Readonly<T> {
  try {
    return readConfig(spec);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: refusing to start, ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}

export interface HttpServiceOptions {
  service: string;
  /**
   * Handlers that run before Nest's router, after the body has been parsed and checked
   * (a route so hot that it skips the router's guards, pipes and interceptors, and so
   * must do what they do itself).
   */
  beforeRoutes?: (app: INestApplication) => RequestHandler[];
  /**
   * Routes answered on node:http before express sees the request (first-routes.ts), for
   * plain JSON bodies; anything else on their paths still reaches express and beforeRoutes.
   */
  firstRoutes?: (app: INestApplication) => FirstRoute[];
}

export async function runHttpService(module: Type<unknown> | DynamicModule, config: HttpConfig & HttpServiceOptions): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true, bodyParser: false });
  const logger = app.get<Logger>(LOGGER);
  app.useLogger(new PinoNestLogger(logger));
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  const timed = await installMetrics(app, config);
  app.use(correlationMiddleware);
  app.use(requireJsonBody);
  app.use(express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'], strict: false, verify: verifyUtf8 }));
  app.use(boundedJson);
  // OAuth 2.0 token requests are form-encoded (RFC 6749 §4); requireJsonBody lets them through only under FORM_PATHS.
  app.use(express.urlencoded({ limit: BODY_LIMIT, extended: false, parameterLimit: 50 }));
  app.use(bodyErrorHandler(logger));
  for (const handler of config.beforeRoutes?.(app) ?? []) app.use(handler);
  app.useGlobalFilters(new ProblemFilter(logger));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  if (config.firstRoutes) {
    serveFirst(app.getHttpServer() as Server, config.firstRoutes(app), { problems: new ProblemFilter(logger), timed, bodyLimitBytes: BODY_LIMIT_BYTES, bodyLimitText: BODY_LIMIT });
  }
  answerClientErrors(app.getHttpServer() as Server);
  keepIdleConnections(app.getHttpServer() as Server);
  await app.listen(config.listenPort, config.listenHost);
  const address = app.getHttpServer().address() as { port: number };
  logger.info({ url: `http://${config.listenHost}:${address.port}` }, `${config.service} listening`);
  collectStartupGarbage(logger);
  scheduleMallocTrim({ intervalMs: config.mallocTrimIntervalMs });
  return app;
}

/** Runs the rest of the request, until its response closes, inside its correlation id (X-Correlation-Id or X-Request-Id, else a new one), and sends it back. */
export function correlationMiddleware(req: Request, res: Response, next: NextFunction): void {
  const given = (req.headers['x-correlation-id'] ?? req.headers['x-request-id']) as string | undefined;
  correlation.runUntilClosed(given, res, () => {
    res.setHeader('X-Correlation-Id', correlation.current() ?? '');
    next();
  });
}

/** Where form-encoded bodies are allowed: OAuth 2.0 endpoints (RFC 6749 §4), the token exchange's and the OpenID provider's. */
const FORM_PATHS = ['/oauth/', '/oidc/'];

/** A body must be JSON (or a form, for OAuth 2.0 endpoints): anything else is a 415 rather than a silently empty body. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > BODY_LIMIT_BYTES) {
    // Answered now: body-parser read off (and discarded) every declared byte before it
    // answered, so a client that declared a large body waited for an answer that came only
    // once it had sent it all, or never. Node discards the rest of the body after the
    // answer; the connection stays open, so a proxy still streaming the body to us gets the
    // 413 (closing it made the local gateway's write fail, a 503).
    next(new PayloadTooLargeError(BODY_LIMIT));
    return;
  }
  const hasBody = req.headers['transfer-encoding'] !== undefined || declared > 0;
  if (hasBody && ['POST', 'PUT', 'PATCH'].includes(req.method)) {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const form = type === 'application/x-www-form-urlencoded' && FORM_PATHS.some((p) => req.path.startsWith(p));
    if (!form && type !== 'application/json' && !/^application\/[a-z0-9.+-]*\+json$/.test(type)) {
      next(new UnsupportedMediaTypeError(type || '(none)'));
      return;
    }
    // JSON between systems is UTF-8 (RFC 8259 §8.1). Another charset would be decoded as
    // something else: a one-byte body read as UTF-16 is an empty text, which the parser
    // would take for no body at all.
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (!form && charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      next(new UnsupportedMediaTypeError(`${type}; charset=${charset}`, 'charset must be utf-8'));
      return;
    }
  }
  next();
}

/**
 * Depth and width limits, checked as soon as the body is parsed and before anything walks
 * it (JSON.parse itself copes with any depth; the validation pipe, class-transformer and
 * JSON.stringify do not). The same limits apply to events published straight on NATS.
 */
function boundedJson(req: Request, _res: Response, next: NextFunction): void {
  const problem = jsonLimitProblem(req.body as unknown, JSON_LIMITS);
  next(problem ? new ValidationError([problem]) : undefined);
}

function bodyErrorHandler(logger: Logger) {
  const filter = new ProblemFilter(logger);
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    const mapped = bodyParserProblem(err, BODY_LIMIT, req.headers['content-encoding']);
    if (!mapped) {
      next(err);
      return;
    }
    const problem = filter.toProblem(mapped, req);
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  };
}
