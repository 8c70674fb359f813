// Domain errors and their RFC 9457 problem+json form. Services throw these; the HTTP
// filter maps them at the edge (and a consumer maps them to ack/nak/term).

export interface FieldProblem {
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldProblem[];
  errorId?: string;
  [extra: string]: unknown;
}

export const PROBLEM_BASE = 'https://hookline.dev/problems/';

export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }

  toProblem(): ProblemBody {
    return { type: PROBLEM_BASE + this.slug, title: this.title, status: this.status, detail: this.message, ...this.extra };
  }
}

export class ValidationError extends DomainError {
  constructor(readonly errors: FieldProblem[]) {
    super(400, 'validation', 'Invalid request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super(404, 'not-found', 'Not found', `${what} was not found`);
  }
}

export class ConflictError extends DomainError {
  constructor(detail: string) {
    super(409, 'conflict', 'Conflict', detail);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(detail = 'missing or invalid credentials') {
    super(401, 'unauthorized', 'Unauthorized', detail);
  }
}

export class ForbiddenError extends DomainError {
  constructor(detail: string) {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(limit: string) {
    super(413, 'payload-too-large', 'Payload too large', `body: the request body exceeds ${limit}`, { errors: [{ field: 'body', message: `exceeds ${limit}` }] });
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  constructor(got: string, rule = 'content type must be application/json') {
    super(415, 'unsupported-media-type', 'Unsupported media type', `body: ${rule}, got "${got}"`, {
      errors: [{ field: 'body', message: rule }],
    });
  }
}

export class TooManyRequestsError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'too-many-requests', 'Too many requests', `try again in ${retryAfterSeconds} s`);
  }
}

export class ServiceUnavailableError extends DomainError {
  constructor(detail: string, readonly retryAfterSeconds = 1) {
    super(503, 'unavailable', 'Service unavailable', detail);
  }
}
