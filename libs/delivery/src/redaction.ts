// What the delivery log may show of a request: secret headers and secret body fields
// become [redacted]; everything else is kept so an administrator can see what was sent.
import type { RedactionPolicy } from './delivery-plan';
import type { OutboundRequest } from './request-builder';

export const REDACTED = '[redacted]';

export function redactHeaders(policy: RedactionPolicy, headers: Readonly<Record<string, string>>): Record<string, string> {
  const secret = new Set(policy.secretHeaders.map((h) => h.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = secret.has(k.toLowerCase()) ? REDACTED : v;
  return out;
}

function redactPath(value: unknown, path: readonly string[]): void {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    // A path runs through arrays: "items.token" redacts token in every item.
    for (const item of value) redactPath(item, path);
    return;
  }
  const obj = value as Record<string, unknown>;
  const [head, ...rest] = path;
  if (!(head in obj)) return;
  if (rest.length === 0) obj[head] = REDACTED;
  else redactPath(obj[head], rest);
}

/**
 * The body as the log shows it: JSON with the policy's fields redacted, form data with
 * those fields redacted, other text as it is. A body that does not parse as its content
 * type claims is kept as it is (it holds no field the policy could name).
 */
export function redactBody(policy: RedactionPolicy, contentType: string | undefined, body: string): string {
  if (policy.secretBodyFields.length === 0 || body === '') return body;
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return body;
    }
    for (const p of policy.secretBodyFields) redactPath(parsed, p.split('.'));
    return JSON.stringify(parsed);
  }
  if (type === 'application/x-www-form-urlencoded') {
    const params = new URLSearchParams(body);
    const names = new Set(policy.secretBodyFields);
    const out = new URLSearchParams();
    for (const [k, v] of params) out.append(k, names.has(k) ? REDACTED : v);
    return out.toString();
  }
  return body;
}

export interface LoggedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The request as the delivery log stores it. */
export function requestForLog(policy: RedactionPolicy, req: OutboundRequest): LoggedRequest {
  const contentType = Object.entries(req.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  const u = new URL(req.url);
  if (u.password) u.password = REDACTED;
  // Query-string requests carry their fields in the URL.
  if (policy.secretBodyFields.length > 0 && u.search) u.search = redactBody(policy, 'application/x-www-form-urlencoded', u.search.slice(1));
  const url = u.toString();
  return {
    method: req.method,
    url,
    headers: redactHeaders(policy, req.headers),
    body: redactBody(policy, contentType, req.body?.toString('utf8') ?? ''),
  };
}
