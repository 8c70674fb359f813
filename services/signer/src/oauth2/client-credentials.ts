// The client-credentials grant (RFC 6749 §4.4) against a receiver's token URL, sent
// through the SSRF-safe egress client like every other outbound request.
import type { EgressClient } from '@hookline/egress';
import type { FetchedToken } from './token-cache';

export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  audience?: string;
}

export class TokenEndpointError extends Error {
  constructor(
    message: string,
    /** The attempt error class of a transport failure (ssrf-blocked, timeout...), or http-status / contract. */
    readonly errorClass: string,
  ) {
    super(message);
    this.name = 'TokenEndpointError';
  }
}

/** RFC 6749 §2.3.1: client id and secret are form-encoded before going into Basic. */
function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

export async function fetchClientCredentialsToken(egress: EgressClient, c: ClientCredentials, userAgent: string): Promise<FetchedToken> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (c.scope) form.set('scope', c.scope);
  if (c.audience) form.set('audience', c.audience);
  const res = await egress.request({
    method: 'POST',
    url: c.tokenUrl,
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
      Authorization: basic(c.clientId, c.clientSecret),
      'User-Agent': userAgent,
    },
    body: form.toString(),
  });
  if (res.kind === 'error') throw new TokenEndpointError(`token endpoint: ${res.reason}`, res.errorClass);
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(res.body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  if (res.status < 200 || res.status >= 300) {
    const err = typeof body?.error === 'string' ? `: ${body.error}${typeof body.error_description === 'string' ? ` (${body.error_description.slice(0, 200)})` : ''}` : '';
    throw new TokenEndpointError(`token endpoint answered HTTP ${res.status}${err}`, res.status >= 300 && res.status < 400 ? 'redirect' : 'http-status');
  }
  if (!body) throw new TokenEndpointError('token endpoint answered with something that is not a JSON object', 'contract');
  const token = body.access_token;
  if (typeof token !== 'string' || token === '' || /[\r\n]/.test(token)) throw new TokenEndpointError('token endpoint gave no usable access_token', 'contract');
  if (body.token_type !== undefined && (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer')) {
    throw new TokenEndpointError(`token endpoint gave a ${String(body.token_type)} token; only bearer tokens are supported`, 'contract');
  }
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : typeof body.expires_in === 'string' ? Number(body.expires_in) : undefined;
  return { accessToken: token, ...(expiresIn !== undefined && Number.isFinite(expiresIn) && expiresIn > 0 ? { expiresInMs: expiresIn * 1000 } : {}) };
}
