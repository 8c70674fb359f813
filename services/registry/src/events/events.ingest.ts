// POST /v1/events, the hottest route, answered before Nest's router: the same
// authentication (the AuthGuard's own authenticate and the route's events:publish
// requirement), the same checks of the body (publish-event.check.ts, kept equal to
// PublishEventDto by its spec) and of Idempotency-Key, the same service, answer and
// problem+json errors as EventsController, without the router's per-request guards,
// pipes, interceptors and class-transformer copy. The controller stays as the route's
// declaration (docs, the route table) and answers only if this handler is not mounted.
import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { principalHolds } from '@hookline/auth';
import { AuthGuard, bearerToken, ForbiddenError, ProblemFilter, UnauthorizedError, ValidationError } from '@hookline/http';
import { labelRoute, LOGGER, Metrics, type Logger } from '@hookline/observability';
import { checkPublishEvent } from './dto/publish-event.check';
import { IDEMPOTENCY_KEY_RE } from './events.controller';
import { EventsService } from './events.service';

export function eventsIngest(app: INestApplication): RequestHandler {
  const guard = app.get(AuthGuard, { strict: false });
  const events = app.get(EventsService, { strict: false });
  const problems = new ProblemFilter(app.get<Logger>(LOGGER, { strict: false }));
  const ingested = app.get(Metrics, { strict: false }).counter('eventsIngested');

  /** Whether the event was stored: true, false for a duplicate; it throws otherwise. */
  async function handle(req: Request, res: Response): Promise<boolean> {
    const principal = await guard.authenticate(bearerToken(req));
    if (!principal) throw new UnauthorizedError();
    if (principal.kind !== 'operator' && !principalHolds(principal, 'events:publish')) throw new ForbiddenError('this endpoint needs the events:publish permission');
    const checked = checkPublishEvent(req.body);
    if (!checked.ok) throw new ValidationError(checked.problems);
    const raw = req.headers['idempotency-key'];
    const key = Array.isArray(raw) ? raw.join(', ') : raw;
    if (key !== undefined && !IDEMPOTENCY_KEY_RE.test(key)) throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' }]);
    const accepted = await events.accept(principal, checked.value, key);
    res.status(202).json(accepted);
    return !accepted.duplicate;
  }

  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || req.path !== '/v1/events') {
      next();
      return;
    }
    // The router never sees this route: its template is named here for the HTTP metrics.
    labelRoute(req, '/v1/events');
    handle(req, res).then(
      (stored) => ingested.inc({ outcome: stored ? 'accepted' : 'duplicate' }),
      (err: unknown) => {
        problems.send(err, req, res);
        ingested.inc({ outcome: res.statusCode >= 500 ? 'failed' : 'refused' });
      },
    );
  };
}
