import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import type { Logger } from '@hookline/observability';
import { DomainError, PROBLEM_BASE, ProblemBody, TooManyRequestsError, ServiceUnavailableError } from './problems';

// PostgreSQL (or the way to it) is down or restarting: connection refused or cut, the
// server shutting down, starting up or in recovery (SQLSTATE class 08 and 57P01-57P03).
const DATABASE_UNAVAILABLE_CODES = new Set(['ECONNREFUSED', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);

/** Whether an error means the database cannot be reached right now (a retry later will do), not that the request is wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && DATABASE_UNAVAILABLE_CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && /^(Connection terminated|timeout exceeded when trying to connect)/.test(e.message)) return true;
    e = (e.driverError ?? e.cause) as typeof e;
  }
  return false;
}

/** The request's path as express names it (req.path), also for a request express never saw. */
function pathOf(req: IncomingMessage): string {
  return (req as Partial<Request>).path ?? (req.url ?? '/').split('?')[0];
}

/** Maps every error to application/problem+json; unexpected ones get an id shared by the log line and the response. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    this.send(exception, host.switchToHttp().getRequest<Request>(), host.switchToHttp().getResponse<Response>());
  }

  /** Answers the request with the problem for this error (also for handlers outside Nest's router and outside express). */
  send(exception: unknown, req: IncomingMessage, res: ServerResponse): void {
    if (isDatabaseUnavailable(exception)) {
      // An outage of a dependency, not a bug: 503 with Retry-After, so clients retry.
      this.logger.warn({ err: (exception as Error).message, method: req.method, path: pathOf(req) }, 'database unavailable');
      exception = new ServiceUnavailableError('the database is not reachable right now; try again shortly', 2);
    }
    const problem = this.toProblem(exception, req);
    if (exception instanceof TooManyRequestsError) res.setHeader('Retry-After', String(exception.retryAfterSeconds));
    if (exception instanceof ServiceUnavailableError) res.setHeader('Retry-After', String(exception.retryAfterSeconds));
    if (res.headersSent) return;
    const body = JSON.stringify(problem);
    res.statusCode = problem.status;
    res.setHeader('Content-Type', 'application/problem+json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  }

  toProblem(exception: unknown, req: IncomingMessage): ProblemBody {
    if (exception instanceof DomainError) return exception.toProblem();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status < 500) {
        const body = exception.getResponse();
        const detail = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
        return {
          type: PROBLEM_BASE + (status === 404 ? 'not-found' : 'http-' + status),
          title: exception.name.replace(/Exception$/, '').replace(/([a-z])([A-Z])/g, '$1 $2'),
          status,
          detail: status === 404 ? `no route for ${req.method} ${pathOf(req)}` : Array.isArray(detail) ? detail.join('; ') : String(detail),
        };
      }
    }
    const errorId = randomUUID();
    this.logger.error({ errorId, err: exception, method: req.method, path: pathOf(req) }, 'unexpected error');
    return { type: PROBLEM_BASE + 'internal', title: 'Internal error', status: 500, detail: `an unexpected error occurred (error id ${errorId})`, errorId };
  }
}
