// RFC 8693 token exchange, as this platform offers it: an account exchanges its own
// access token (subject_token) for one that acts as a user of its tenant, named by
// `requested_subject` (the Keycloak-style impersonation parameter). The new token has
// sub = the user and act = { sub: the account }.
import { OAuthError } from './oauth-error';

export const GRANT_TYPE_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';

export interface TokenExchangeRequest {
  subjectToken: string;
  requestedSubject: string;
}

const KNOWN = new Set(['grant_type', 'subject_token', 'subject_token_type', 'requested_subject', 'requested_token_type', 'audience', 'resource', 'scope', 'actor_token', 'actor_token_type', 'client_id']);

function str(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new OAuthError('invalid_request', `${name} must be a non-empty string`);
  return v;
}

/** Validates the form (or JSON) parameters; every problem is an OAuth error naming the parameter. */
export function parseTokenExchange(body: unknown): TokenExchangeRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new OAuthError('invalid_request', 'the request must carry form parameters');
  const b = body as Record<string, unknown>;
  const grantType = str(b, 'grant_type');
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required');
  if (grantType !== GRANT_TYPE_TOKEN_EXCHANGE) throw new OAuthError('unsupported_grant_type', `grant_type must be ${GRANT_TYPE_TOKEN_EXCHANGE}`);
  const unknown = Object.keys(b).find((k) => !KNOWN.has(k));
  if (unknown) throw new OAuthError('invalid_request', `${unknown} is not a parameter of this endpoint`);
  const subjectToken = str(b, 'subject_token');
  if (!subjectToken) throw new OAuthError('invalid_request', 'subject_token is required');
  const subjectType = str(b, 'subject_token_type');
  if (!subjectType) throw new OAuthError('invalid_request', 'subject_token_type is required');
  if (subjectType !== TOKEN_TYPE_ACCESS_TOKEN && subjectType !== TOKEN_TYPE_JWT) throw new OAuthError('invalid_request', `subject_token_type must be ${TOKEN_TYPE_ACCESS_TOKEN}`);
  const requestedType = str(b, 'requested_token_type');
  if (requestedType !== undefined && requestedType !== TOKEN_TYPE_ACCESS_TOKEN) throw new OAuthError('invalid_request', `requested_token_type must be ${TOKEN_TYPE_ACCESS_TOKEN}`);
  if (b.actor_token !== undefined || b.actor_token_type !== undefined) throw new OAuthError('invalid_request', 'actor_token is not supported: the subject_token is the acting account');
  for (const ignored of ['audience', 'resource', 'scope', 'client_id']) str(b, ignored);
  const requestedSubject = str(b, 'requested_subject');
  if (!requestedSubject) throw new OAuthError('invalid_request', 'requested_subject is required: the id of the user to act as');
  return { subjectToken, requestedSubject };
}
