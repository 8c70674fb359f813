// Turns a plan and one attempt's facts into the exact request: method, URL, headers
// and body bytes. Authentication headers are not computed here (only the signer holds
// secrets); the builder hands out the exact bytes and ids the signer must sign, and
// withAuthHeaders merges the signer's answer in.
import type { DeliverySource } from '@hookline/contracts';
import type { DeliveryPlan, RequestShape } from './delivery-plan';

/** Headers naming the delivery; the delivery id is the same on every retry so receivers can deduplicate. */
export const DELIVERY_HEADERS = {
  deliveryId: 'Hookline-Delivery-Id',
  eventId: 'Hookline-Event-Id',
  topic: 'Hookline-Topic',
  attemptAt: 'Hookline-Attempt-At',
  /** Standard Webhooks' names for the same id and the attempt time, sent whatever the auth scheme. */
  webhookId: 'webhook-id',
  webhookTimestamp: 'webhook-timestamp',
} as const;

export type FormScalar = string | number | boolean;
/** The payload of form and query-string shapes: flat fields, a list repeating the field. */
export type FormFields = Readonly<Record<string, FormScalar | readonly FormScalar[]>>;

export interface AttemptFacts {
  /** JSON shape: any JSON value. Form and query shapes: FormFields. */
  payload?: unknown;
  /**
   * The payload as JSON text, as a delivery stores it. A JSON body is sent as exactly
   * these bytes (no parse and re-encode per attempt); form and query shapes parse it.
   */
  payloadText?: string;
  deliveryId: string;
  /** The host event the delivery came from, if any (then Hookline-Event-Id and Hookline-Topic name it). */
  source?: DeliverySource;
  attemptAt: Date;
  /** The platform version, for User-Agent: Hookline/<version>. */
  version: string;
}

/** Exactly what the signer signs for this attempt. */
export interface SigningInput {
  deliveryId: string;
  /** Unix seconds of the attempt (webhook-timestamp). */
  timestampSeconds: number;
  /** The exact body bytes sent (empty when there is no body). */
  body: Buffer;
}

export interface OutboundRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The exact bytes sent, or undefined for a bodiless request. */
  body: Buffer | undefined;
  signing: SigningInput;
}

export class InvalidPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPayloadError';
  }
}

function formPairs(payload: unknown): [string, string][] {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InvalidPayloadError('form and query-string payloads must be an object of fields');
  }
  const pairs: [string, string][] = [];
  const scalar = (name: string, v: unknown): string => {
    if (typeof v === 'string') return v;
    if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') return String(v);
    throw new InvalidPayloadError(`field "${name}" must be a string, number or boolean (or a list of them)`);
  };
  for (const [name, value] of Object.entries(payload)) {
    if (Array.isArray(value)) for (const v of value) pairs.push([name, scalar(name, v)]);
    else pairs.push([name, scalar(name, value)]);
  }
  return pairs;
}

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidPayloadError('the stored payload is not JSON');
  }
}

function methodOf(plan: DeliveryPlan): string {
  // An e-mail has no HTTP method; the log says how it went.
  if (plan.transport === 'smtp') return 'SMTP';
  const shape: RequestShape = plan.request;
  return shape.method ?? (shape.kind === 'query' ? 'GET' : 'POST');
}

export function buildRequest(plan: DeliveryPlan, facts: AttemptFacts): OutboundRequest {
  let url: URL;
  try {
    url = new URL(plan.url);
  } catch {
    throw new InvalidPayloadError(`"${plan.url}" is not a URL`);
  }
  const headers: Record<string, string> = {};
  let body: Buffer | undefined;
  const payload = () => (facts.payloadText !== undefined ? parsePayload(facts.payloadText) : facts.payload);
  switch (plan.request.kind) {
    case 'json': {
      const text = facts.payloadText ?? JSON.stringify(facts.payload);
      if (text === undefined) throw new InvalidPayloadError('the payload is not JSON-serialisable');
      body = Buffer.from(text, 'utf8');
      headers['Content-Type'] = 'application/json';
      break;
    }
    case 'form': {
      body = Buffer.from(new URLSearchParams(formPairs(payload())).toString(), 'utf8');
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      break;
    }
    case 'query': {
      for (const [k, v] of formPairs(payload())) url.searchParams.append(k, v);
      break;
    }
  }
  const timestampSeconds = Math.floor(facts.attemptAt.getTime() / 1000);
  headers['User-Agent'] = plan.userAgent ?? `Hookline/${facts.version}`;
  headers[DELIVERY_HEADERS.deliveryId] = facts.deliveryId;
  if (facts.source) {
    headers[DELIVERY_HEADERS.eventId] = facts.source.eventId;
    headers[DELIVERY_HEADERS.topic] = facts.source.topic;
  }
  headers[DELIVERY_HEADERS.attemptAt] = facts.attemptAt.toISOString();
  headers[DELIVERY_HEADERS.webhookId] = facts.deliveryId;
  headers[DELIVERY_HEADERS.webhookTimestamp] = String(timestampSeconds);
  return {
    method: methodOf(plan),
    url: url.toString(),
    headers,
    body,
    signing: { deliveryId: facts.deliveryId, timestampSeconds, body: body ?? Buffer.alloc(0) },
  };
}

/**
 * Adds the signer's headers. They replace a header of the same name in any case
 * (webhook-id and webhook-timestamp come back equal to the builder's).
 */
export function withAuthHeaders(req: OutboundRequest, authHeaders: Readonly<Record<string, string>>): OutboundRequest {
  const headers: Record<string, string> = {};
  const replaced = new Set(Object.keys(authHeaders).map((h) => h.toLowerCase()));
  for (const [k, v] of Object.entries(req.headers)) if (!replaced.has(k.toLowerCase())) headers[k] = v;
  for (const [k, v] of Object.entries(authHeaders)) headers[k] = v;
  return { ...req, headers };
}

/**
 * Adds payload fields the signer computed (verification-hash: timestamp and verification)
 * after the ones the request has: to the query string of a bodiless request, to the form
 * body of a form request. A JSON body has no place for them.
 */
export function withPayloadFields(req: OutboundRequest, fields: Readonly<Record<string, string>>): OutboundRequest {
  const entries = Object.entries(fields);
  if (entries.length === 0) return req;
  const type = Object.entries(req.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  if (req.body === undefined) {
    const url = new URL(req.url);
    for (const [k, v] of entries) url.searchParams.append(k, v);
    return { ...req, url: url.toString() };
  }
  if (type !== 'application/x-www-form-urlencoded') throw new InvalidPayloadError('payload fields from the signer need a form or query-string request');
  const form = new URLSearchParams(req.body.toString('utf8'));
  for (const [k, v] of entries) form.append(k, v);
  const body = Buffer.from(form.toString(), 'utf8');
  return { ...req, body, signing: { ...req.signing, body } };
}

/**
 * Applies what the signer answered for one part of the request's authentication: its
 * payload fields (verification-hash), the body it wrote a secret into (body-secret, in
 * place of the stored one), and its headers. The result may hold a secret: only the
 * redacted form (requestForLog) may be logged or stored.
 */
export function withSignerResult(
  req: OutboundRequest,
  result: { headers: Readonly<Record<string, string>>; fields?: Readonly<Record<string, string>>; body?: string },
): OutboundRequest {
  let r = result.fields ? withPayloadFields(req, result.fields) : req;
  if (result.body !== undefined) {
    const body = Buffer.from(result.body, 'base64');
    r = { ...r, body, signing: { ...r.signing, body } };
  }
  return withAuthHeaders(r, result.headers);
}
