// The one place the console calls the API: same origin (the console is served under
// /console of the API's base URL), the session's bearer token, the operator's tenant
// added where the API takes it, and every non-2xx answer turned into an ApiError (shaped
// as react-admin's HttpError) carrying the problem's detail and field errors.
import { currentSession, currentTenant } from '../session';
import { ApiError, problemView } from './problem';

export type Query = Record<string, string | number | boolean | null | undefined | string[]>;

export interface CallOptions {
  query?: Query;
  body?: unknown;
  /** Where the operator's tenant goes: the query (default), the body (a POST that creates, a bulk resend), or nowhere. */
  tenant?: 'query' | 'body' | 'none';
  token?: string;
}

export function withQuery(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function api<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
  const session = currentSession();
  const token = opts.token ?? session?.token;
  const tenantIn = opts.tenant ?? 'query';
  const operatorTenant = session?.kind === 'operator' ? currentTenant() : undefined;
  let query = opts.query ?? {};
  let body = opts.body;
  if (operatorTenant && tenantIn === 'query') query = { tenant: operatorTenant, ...query };
  if (operatorTenant && tenantIn === 'body') body = { tenant: operatorTenant, ...((body as object) ?? {}) };
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(withQuery(path, query), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError({ message: `The API could not be reached (${(err as Error).message})`, status: 0, body: { problem: { status: 0 } } });
  }
  const text = await res.text();
  let parsed: unknown = text;
  if (text && /json/.test(res.headers.get('content-type') ?? '')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!res.ok) {
    throw new ApiError(problemView(res.status, parsed));
  }
  return (text ? parsed : undefined) as T;
}
