// POST /v1/events, the hottest route, answered outside Nest's router: the same
// authentication (the AuthGuard's own authenticate and the route's events:publish
// requirement), the same checks of the body (publish-event.check.ts, kept equal to
// PublishEventDto by its spec) and of Idempotency-Key, the same service, answer and
// problem+json errors as EventsController, without the router's per-request guards,
// pipes, interceptors and class-transformer copy.
// Two doors, one ingest: a plain UTF-8 JSON body is taken on node:http before express
// (eventsFirstRoute, the path every client takes); a compressed body goes through
// express's body parser to eventsIngest. The controller stays as the route's
// declaration (docs, the route table) and answers only if neither is mounted.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { principalHolds } from '@hookline/auth';
import { AuthGuard, bearerToken, ForbiddenError, ProblemFilter, sendJson, UnauthorizedError, ValidationError, type FirstRoute } from '@hookline/http';
import { labelRoute, LOGGER, Metrics, type Logger } from '@hookline/observability';
import { checkPublishEvent } from './dto/publish-event.check';
import { IDEMPOTENCY_KEY_RE } from './events.controller';
import { EventsService } from './events.service';

const ROUTE = '/v1/events';

function ingestor(app: INestApplication) {
  const guard = app.get(AuthGuard, { strict: false });
  const events = app.get(EventsService, { strict: false });
  const ingested = app.get(Metrics, { strict: false }).counter('eventsIngested');

  /**
   * Answers 202 and says whether the event was stored (false for a duplicate); it throws
   * otherwise. The event carries `correlationId` when given (the first route, which opens
   * no correlation scope), else the scope's (express's door).
   */
  async function handle(req: IncomingMessage, res: ServerResponse, body: unknown, correlationId?: string): Promise<void> {
    try {
      const principal = await guard.authenticate(bearerToken(req));
      if (!principal) throw new UnauthorizedError();
      if (principal.kind !== 'operator' && !principalHolds(principal, 'events:publish')) throw new ForbiddenError('this endpoint needs the events:publish permission');
      const checked = checkPublishEvent(body);
      if (!checked.ok) throw new ValidationError(checked.problems);
      const raw = req.headers['idempotency-key'];
      const key = Array.isArray(raw) ? raw.join(', ') : raw;
      if (key !== undefined && !IDEMPOTENCY_KEY_RE.test(key)) throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' }]);
      const accepted = await events.accept(principal, checked.value, key, correlationId);
      sendJson(res, 202, accepted);
      ingested.inc({ outcome: accepted.duplicate ? 'duplicate' : 'accepted' });
    } catch (err) {
      // Counted by what the answer will be: a 5xx is a failure of ours, anything else a refusal.
      ingested.inc({ outcome: statusOf(err) >= 500 ? 'failed' : 'refused' });
      throw err;
    }
  }
  return handle;
}

function statusOf(err: unknown): number {
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' ? status : 500;
}

/**
 * The door every plain JSON request takes (runHttpService's firstRoutes), outside any
 * correlation scope: its async hooks would run for every promise of every request
 * (libs/observability/src/correlation.ts); the event carries the request's id all the same.
 */
export function eventsFirstRoute(app: INestApplication): FirstRoute {
  return { method: 'POST', path: ROUTE, handle: ingestor(app), scope: false };
}

/** The door for what express's body parser had to read (a gzip or deflate body), before Nest's router. */
export function eventsIngest(app: INestApplication): RequestHandler {
  const handle = ingestor(app);
  const problems = new ProblemFilter(app.get<Logger>(LOGGER, { strict: false }));
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || req.path !== ROUTE) {
      next();
      return;
    }
    // The router never sees this route: its template is named here for the HTTP metrics.
    labelRoute(req, ROUTE);
    handle(req, res, req.body).catch((err: unknown) => problems.send(err, req, res));
  };
}
