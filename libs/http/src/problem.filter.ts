import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Logger } from '@hookline/observability';
import { DomainError, PROBLEM_BASE, ProblemBody, TooManyRequestsError, ServiceUnavailableError } from './problems';

/** Maps every error to application/problem+json; unexpected ones get an id shared by the log line and the response. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    const problem = this.toProblem(exception, req);
    if (exception instanceof TooManyRequestsError) res.setHeader('Retry-After', String(exception.retryAfterSeconds));
    if (exception instanceof ServiceUnavailableError) res.setHeader('Retry-After', String(exception.retryAfterSeconds));
    if (!res.headersSent) res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  toProblem(exception: unknown, req: Request): ProblemBody {
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
          detail: status === 404 ? `no route for ${req.method} ${req.path}` : Array.isArray(detail) ? detail.join('; ') : String(detail),
        };
      }
    }
    const errorId = randomUUID();
    this.logger.error({ errorId, err: exception, method: req.method, path: req.path }, 'unexpected error');
    return { type: PROBLEM_BASE + 'internal', title: 'Internal error', status: 500, detail: `an unexpected error occurred (error id ${errorId})`, errorId };
  }
}
