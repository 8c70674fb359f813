// The one place the console calls the API: openapi-fetch typed by the generated `paths`
// (schema.d.ts, from the OpenAPI document), so a path, method, path parameter, query
// parameter or body the API does not take is a compile error and each answer has the
// document's type. Around it, what every call shares: same origin (the console is served
// under /console of the API's base URL), the session's bearer token, the operator's tenant
// added where the API takes it, and every non-2xx answer turned into an ApiError (shaped as
// react-admin's HttpError) carrying the problem's detail and field errors.
import createClient, { type ClientPathsWithMethod, type FetchResponse, type MaybeOptionalInit } from 'openapi-fetch';
import { currentSession, currentTenant } from '../session';
import { ApiError, problemView } from './problem';
import type { paths } from './schema';

export type Query = Record<string, string | number | boolean | null | undefined | string[]>;

export interface CallOptions {
  /** Where the operator's tenant goes: the query (default), the body (a POST that creates, a bulk resend), or nowhere. */
  tenant?: 'query' | 'body' | 'none';
  token?: string;
}

/** Query parameters as the API reads them: repeated for a list, left out when empty. */
export function searchParams(query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else q.set(k, String(v));
  }
  return q.toString();
}

const client = createClient<paths>({
  // Same origin. Outside a browser (the unit specs) there is no page to resolve against.
  baseUrl: globalThis.location?.origin ?? 'http://console.invalid',
  headers: { accept: 'application/json, application/problem+json' },
  querySerializer: (query) => searchParams(query as Query),
  // Looked up at each call (the specs stub fetch); a network failure is an ApiError with status 0.
  fetch: async (request) => {
    try {
      return await globalThis.fetch(request);
    } catch (err) {
      throw new ApiError({ message: `The API could not be reached (${(err as Error).message})`, status: 0, body: { problem: { status: 0 } } });
    }
  },
});

export type Method = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
type Verb<M extends Method> = Lowercase<M>;
/** The documented paths that answer a method. */
export type ApiPath<M extends Method> = ClientPathsWithMethod<typeof client, Verb<M>>;
type Operation<M extends Method, P extends ApiPath<M>> = paths[P] extends Record<Verb<M>, infer O> ? O : never;
type Init<M extends Method, P extends ApiPath<M>> = MaybeOptionalInit<paths[P], Verb<M>>;
/** What a call answers on success, as the document describes it (`undefined` for a 204). */
export type Answer<M extends Method, P extends ApiPath<M>> = NonNullable<FetchResponse<Operation<M, P> & Record<string | number, any>, Init<M, P>, 'application/json'>['data']>;
/** A route's request body, as the document describes it. */
export type Body<M extends Method, P extends ApiPath<M>> = NonNullable<Init<M, P>> extends { body?: infer B } ? NonNullable<B> : never;
/** The call's options: required when the path or query has a required parameter, or the body is required. */
type InitArg<I> = undefined extends I ? [(NonNullable<I> & CallOptions)?] : [I & CallOptions];

interface LooseInit extends CallOptions {
  params?: { path?: Record<string, unknown>; query?: Query };
  body?: unknown;
}

async function send(method: Method, path: string, init: LooseInit = {}): Promise<unknown> {
  const { tenant: tenantIn = 'query', token: explicitToken, params = {}, body: givenBody } = init;
  const session = currentSession();
  const token = explicitToken ?? session?.token;
  const operatorTenant = session?.kind === 'operator' ? currentTenant() : undefined;
  let query = params.query ?? {};
  let body = givenBody;
  if (operatorTenant && tenantIn === 'query') query = { tenant: operatorTenant, ...query };
  if (operatorTenant && tenantIn === 'body') body = { tenant: operatorTenant, ...((body as object) ?? {}) };
  const answer = await client.request(method.toLowerCase() as never, path as never, {
    params: { ...params, query },
    body,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  } as never);
  const { response } = answer as { response: Response };
  if (!response.ok) throw new ApiError(problemView(response.status, (answer as { error?: unknown }).error));
  return (answer as { data?: unknown }).data;
}

/**
 * Calls a documented route: `api('POST', '/v1/receivers/{id}/rotate-secret', { params: { path: { id } }, body })`.
 * Resolves to the answer's body, typed by the document; rejects with an ApiError.
 */
export function api<M extends Method, P extends ApiPath<M>>(method: M, path: P, ...init: InitArg<Init<M, P>>): Promise<Answer<M, P>> {
  return send(method, path, init[0] as LooseInit) as Promise<Answer<M, P>>;
}

/**
 * A call to a URL built at run time: the data provider's, from a resource's documented path
 * (resources.ts) and a record's id. Its answers are records react-admin treats generically.
 */
export function apiAt<T = Record<string, unknown>>(method: Method, url: string, init: CallOptions & { query?: Query; body?: unknown } = {}): Promise<T> {
  const { query, ...rest } = init;
  return send(method, url, { ...rest, params: { query } }) as Promise<T>;
}
