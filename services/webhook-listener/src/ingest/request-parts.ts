// The pure parts of reading an inbound request: its route, where its token is, what
// identifies it as a retry, and what of it a script or a log may see.
import { createHash } from 'node:crypto';
import { UUID_RE, type ListenerChangeState, type TokenLocation } from '@hookline/contracts';
import { getAt, parsePath } from '@hookline/listener-tables';
import { forgetOldest } from '@hookline/messaging';

export interface HookRoute {
  serviceId: string;
  listenerId: string;
  recordId?: string;
}

const HOOKS = /^\/hooks(?:[/?]|$)/i;

/** The path and query of a request for /hooks or below, or undefined for anything else. */
export function hookUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (raw.charCodeAt(0) === 0x2f) return HOOKS.test(raw) ? raw : undefined;
  // The absolute form (RFC 9112 §3.2.2), which express would have routed by its path.
  try {
    const u = new URL(raw);
    const v = `${u.pathname}${u.search}`;
    return HOOKS.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** "/<serviceId>/<listenerId>[/<recordId>]" (the part after /hooks). */
export function parseHookPath(path: string): HookRoute | undefined {
  const parts = path.split('/').filter((p, i) => i > 0 || p !== '');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length < 2 || parts.length > 3 || !UUID_RE.test(parts[0]) || !UUID_RE.test(parts[1])) return undefined;
  if (parts.length === 3) {
    let recordId: string;
    try {
      recordId = decodeURIComponent(parts[2]);
    } catch {
      return undefined;
    }
    if (recordId === '' || recordId.length > 1000) return undefined;
    return { serviceId: parts[0].toLowerCase(), listenerId: parts[1].toLowerCase(), recordId };
  }
  return { serviceId: parts[0].toLowerCase(), listenerId: parts[1].toLowerCase() };
}

type Headers = Record<string, string | string[] | undefined>;

export function header(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** The token as the listener says it is sent; undefined when absent. */
export function presentedToken(location: TokenLocation, headers: Headers, query: URLSearchParams): string | undefined {
  switch (location.in) {
    case 'header':
      return header(headers, location.name);
    case 'query':
      return query.get(location.name) ?? undefined;
    case 'authorization': {
      const h = header(headers, 'authorization');
      if (h === undefined || h.length < location.prefix.length) return undefined;
      // The scheme is case-insensitive (RFC 9110 §11.1), the token is not.
      if (h.slice(0, location.prefix.length).toLowerCase() !== location.prefix.toLowerCase()) return undefined;
      return h.slice(location.prefix.length);
    }
  }
}

/** The path and query as the log shows them: a token given in the query is replaced. */
export function loggedPath(originalUrl: string, l: ListenerChangeState | undefined): string {
  const q = originalUrl.indexOf('?');
  if (q < 0 || l?.auth.method !== 'token' || l.auth.location.in !== 'query') return originalUrl.slice(0, 2000);
  const params = new URLSearchParams(originalUrl.slice(q + 1));
  if (params.has(l.auth.location.name)) params.set(l.auth.location.name, '[redacted]');
  return `${originalUrl.slice(0, q)}?${params.toString()}`.slice(0, 2000);
}

const NEVER_SHOWN = new Set(['authorization', 'cookie', 'proxy-authorization', 'x-forwarded-for']);

/** The headers a script sees: lower-case names, no credentials, not the listener's token header. */
export function scriptHeaders(headers: Headers, l: ListenerChangeState): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const tokenHeader = l.auth.method === 'token' && l.auth.location.in === 'header' ? l.auth.location.name : undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || NEVER_SHOWN.has(k) || k === tokenHeader) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** The query a script sees: without the token parameter. */
export function scriptQuery(query: URLSearchParams, l: ListenerChangeState): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const tokenParam = l.auth.method === 'token' && l.auth.location.in === 'query' ? l.auth.location.name : undefined;
  for (const [k, v] of query) if (k !== tokenParam && !(k in out)) out[k] = v;
  return out;
}

/**
 * The key columns' values a DELETE gives as query parameters. A column given twice is a
 * 400 naming it: which of the two records was meant cannot be told, and taking either
 * would delete a record the sender may not have meant.
 */
export function keyParams(primaryKey: readonly string[], query: URLSearchParams): { ok: true; values: Record<string, string> } | { ok: false; problems: { field: string; message: string }[] } {
  const values: Record<string, string> = Object.create(null);
  const problems: { field: string; message: string }[] = [];
  for (const name of primaryKey) {
    const given = query.getAll(name);
    if (given.length > 1) problems.push({ field: name, message: `is given ${given.length} times; give each key column once` });
    else if (given.length === 1) values[name] = given[0];
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values };
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

export type DedupKey = { key: string; explicit: boolean } | { problem: { field: string; message: string } };

/**
 * What a verified signature vouches for as the request's identity, when its scheme has
 * one: Standard Webhooks signs `webhook-id` (the same for the sender's retries), and
 * Stripe's events carry a unique id inside the signed body, so the body's hash is one.
 * Keyed by it, a captured request replayed within the signature's tolerance is the same
 * request, whatever unsigned header comes with it.
 */
function signedIdentity(l: ListenerChangeState, headers: Headers, body: Buffer): string | undefined {
  if (l.signature?.preset === 'standard-webhooks') {
    const id = header(headers, 'webhook-id');
    if (id) return `sw:${id.slice(0, 500)}`;
  }
  if (l.signature?.preset === 'stripe') return `sb:${createHash('sha256').update(body).digest('hex')}`;
  return undefined;
}

/**
 * What makes a repeat of this request recognisable: what its verified signature vouches
 * for (signedIdentity), else the listener's own dedup value (a header such as
 * X-GitHub-Delivery, or a body field), else Idempotency-Key, else a hash of the request
 * within the listener's body-dedup window (none when that is 0). On a listener that
 * verifies signatures Idempotency-Key is not read: nothing signs it, so a replayed signed
 * body could otherwise pass for a new request by naming a new key.
 */
export function dedupKeyOf(
  l: ListenerChangeState,
  req: { method: string; path: string; query: URLSearchParams; headers: Headers; body: Buffer; parsed: unknown },
  now: number,
  random: () => string,
  window?: BodyDedupWindow,
): DedupKey {
  const signed = signedIdentity(l, req.headers, req.body);
  if (signed !== undefined) return { key: signed, explicit: true };
  if (l.dedup?.header) {
    const v = header(req.headers, l.dedup.header);
    if (v !== undefined && v !== '') return { key: `h:${v.slice(0, 500)}`, explicit: true };
  }
  if (l.dedup?.bodyField) {
    const v = getAt(req.parsed, parsePath(l.dedup.bodyField));
    if (typeof v === 'string' || typeof v === 'number') return { key: `f:${String(v).slice(0, 500)}`, explicit: true };
  }
  const given = l.signature ? undefined : header(req.headers, 'idempotency-key');
  if (given !== undefined) {
    if (!IDEMPOTENCY_KEY.test(given)) return { problem: { field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' } };
    return { key: `k:${given}`, explicit: true };
  }
  if (l.bodyDedupSeconds <= 0) return { key: `r:${random()}`, explicit: false };
  const query = new URLSearchParams(req.query);
  if (l.auth.method === 'token' && l.auth.location.in === 'query') query.delete(l.auth.location.name);
  query.sort();
  const h = createHash('sha256').update(req.method).update('\u0000').update(req.path).update('\u0000').update(query.toString()).update('\u0000').update(req.body).digest('hex');
  const windowMs = l.bodyDedupSeconds * 1000;
  return { key: window ? window.keyFor(l.id, h, now, windowMs) : alignedBodyKey(h, now, windowMs), explicit: false };
}

/** The body-hash key in the window-aligned interval `now` falls in (the same on every instance). */
function alignedBodyKey(hash: string, now: number, windowMs: number): string {
  return `b:${hash}:${Math.floor(now / windowMs)}`;
}

/**
 * The body-dedup window, sliding: a request whose hash this instance saw less than the
 * listener's window ago gets the key it got then, so a retry is recognised however the
 * window's aligned intervals fall between it and the first (a retry 2 ms later but across
 * a boundary would otherwise be a new request). What it does not hold (another instance
 * took the first request, or this one has forgotten it: it keeps the latest `max` hashes)
 * falls back to the aligned interval, the same on every instance. About 200 bytes of heap a hash (2 MB full).
 * Past `max` hashes the oldest tenth is forgotten at once, so it holds 90-100 % of `max`.
 */
export class BodyDedupWindow {
  /** By listener and hash: the aligned interval of the first request's key, and when it came. */
  private readonly seen = new Map<string, { interval: number; at: number }>();

  constructor(private readonly max = 10_000) {}

  keyFor(listenerId: string, hash: string, now: number, windowMs: number): string {
    const id = `${listenerId}:${hash}`;
    const first = this.seen.get(id);
    if (first && now - first.at < windowMs) return `b:${hash}:${first.interval}`;
    const interval = Math.floor(now / windowMs);
    this.seen.delete(id);
    this.seen.set(id, { interval, at: now });
    // The oldest go first, a tenth of `max` at a time (one at a time cost 4 µs a request
    // at 10,000 hashes, against 0.5: see forgetOldest).
    if (this.seen.size > this.max) forgetOldest(this.seen, this.seen.size - (this.max - Math.ceil(this.max / 10)));
    return `b:${hash}:${interval}`;
  }
}

/** application/json or application/<something>+json, with any parameters. */
export function isJsonType(contentType: string | undefined): boolean {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return t === 'application/json' || /^application\/[a-z0-9.+-]*\+json$/.test(t);
}
