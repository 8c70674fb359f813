// An API answer that is not 2xx, as the console shows it: the problem+json `detail`, and
// `errors[].field` turned into the nested object react-admin's forms put at each field
// (`grants.0.actions` stays a dotted path: react-hook-form reads it as one).

export interface ProblemField {
  field: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: ProblemField[];
  errorId?: string;
}

export interface ProblemView {
  message: string;
  status: number;
  /** react-admin's `HttpError.body`: `errors` (one message per form field, plus `root.serverError`) when the API named fields. */
  body: { errors?: Record<string, unknown>; problem: Problem };
}

/** Reads an answer body (already parsed, or text that was not JSON) into what the console shows. */
export function problemView(status: number, body: unknown): ProblemView {
  const problem: Problem = isObject(body) ? ({ ...body, status } as Problem) : { status, detail: typeof body === 'string' && body ? body : undefined };
  const fallback = problem.title ?? `HTTP ${status}`;
  const message = problem.detail ?? fallback;
  const fields = Array.isArray(problem.errors) ? problem.errors.filter((e) => isObject(e) && typeof e.field === 'string' && typeof e.message === 'string') : [];
  if (fields.length === 0) return { message, status, body: { problem } };
  const errors: Record<string, unknown> = {};
  for (const e of fields) errors[e.field] = e.message;
  // The summary too, for fields the form does not show (react-admin notifies root.serverError).
  errors.root = { serverError: message };
  return { message, status, body: { errors, problem } };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A refused call: react-admin reads `status` (401 ends the session) and `body.errors` (the
 * form's field errors), as on its own HttpError.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ProblemView['body'];

  constructor(view: ProblemView) {
    super(view.message);
    this.name = 'ApiError';
    this.status = view.status;
    this.body = view.body;
  }
}
