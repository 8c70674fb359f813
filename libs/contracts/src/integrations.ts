// Custom integrations (seed: custom-integrations.txt) as the registry publishes them in
// change events (entity "integration"), and the rules every side applies the same way:
// the parameter name's prefix syntax, the payload a click sends, the preview of it, and
// how a background request's life maps onto the job states and the seed's four error
// names. The verification salt and the static header values never travel here: the
// signer holds them (credentials integrationCredentialIds(id)).
import type { Actor } from './registry';

/** The pages a button can be on (the seed's "Pages"). */
export const INTEGRATION_PAGES = ['client', 'patient', 'invoice', 'consultation', 'appointment_calendar', 'shift_calendar', 'diagnostic_imaging', 'reminders'] as const;
export type IntegrationPage = (typeof INTEGRATION_PAGES)[number];

/** What each page sends as its object id, in the seed's words. */
export const INTEGRATION_PAGE_OBJECTS: Readonly<Record<IntegrationPage, string>> = Object.freeze({
  client: 'the client ID',
  patient: 'the patient ID',
  invoice: 'the invoice ID (not the invoice number)',
  consultation: 'the consultation ID',
  appointment_calendar: 'the active department ID',
  shift_calendar: 'the active department ID',
  diagnostic_imaging: 'the diagnostic imaging referral ID',
  reminders: 'the ID of every selected reminder',
});

/** Pages whose buttons send several object ids at once (the parameter repeated, in order). */
export const MULTI_OBJECT_PAGES: readonly IntegrationPage[] = ['reminders'];

/** Send HTTP request (in the background, by the platform), open in a new window, open in a side panel. */
export const INTEGRATION_ACTIONS = ['background', 'new_window', 'side_panel'] as const;
export type IntegrationAction = (typeof INTEGRATION_ACTIONS)[number];

/** GET: the payload in the query string; POST: the payload as form data. */
export const INTEGRATION_METHODS = ['GET', 'POST'] as const;
export type IntegrationMethod = (typeof INTEGRATION_METHODS)[number];

/** The most object ids one request may carry (reminders). */
export const MAX_INTEGRATION_OBJECT_IDS = 500;
/** Object ids are the host application's own: letters, digits and . _ : @ - (like unit and user ids). */
export const INTEGRATION_OBJECT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

export interface IntegrationView {
  id: string;
  tenant: string;
  /** The button's label. */
  name: string;
  page: IntegrationPage;
  action: IntegrationAction;
  method: IntegrationMethod;
  /** The target URL, with its scheme. */
  url: string;
  /** "id" sends id=1; "id=client_" sends id=client_1 (the seed's prefix syntax). */
  parameterName: string;
  enabled: boolean;
  /**
   * "Add verification hash": requests carry `timestamp` and `verification` (the hex MD5 of
   * the timestamp followed by the salt). Field names in change events avoid "hash" and
   * "salt", which the outbox redacts wherever they appear.
   */
  verification: boolean;
  /** Whether the signer holds a verification salt (never shown; set with verificationSalt). */
  verificationConfigured: boolean;
  /** The static headers background requests carry (names only; the values are held by the signer). */
  headerNames: string[];
  createdAt: string;
  updatedAt: string;
}

/** The signer's credential ids for an integration's secrets. */
export function integrationCredentialIds(integrationId: string): { headers: string; verification: string } {
  return { headers: `integration:${integrationId}:headers`, verification: `integration:${integrationId}:verification` };
}

/** The payload fields verification adds, and what a preview shows in their place. */
export const VERIFICATION_FIELDS = { timestamp: 'timestamp', verification: 'verification' } as const;
export const VERIFICATION_PLACEHOLDERS = { timestamp: '<unix time in seconds>', verification: '<md5 hex of timestamp + salt>' } as const;

// ---- the parameter name -------------------------------------------------------------

export interface ParameterSpec {
  /** The query or form field name. */
  name: string;
  /** Put in front of every object id. */
  prefix: string;
}

const PARAMETER_NAME_RE = /^[A-Za-z0-9_.[\]-]{1,100}$/;
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const PREFIX_RE = /^[^\u0000-\u001f\u007f]{0,200}$/;

/**
 * The seed's syntax: "id" sends id=1; "id=client_" sends id=client_1. The name is what
 * comes before the first "=", the prefix everything after it.
 */
export function parseParameterName(raw: string): { ok: true; spec: ParameterSpec } | { ok: false; problem: string } {
  const at = raw.indexOf('=');
  const name = at < 0 ? raw : raw.slice(0, at);
  const prefix = at < 0 ? '' : raw.slice(at + 1);
  if (!PARAMETER_NAME_RE.test(name)) {
    return { ok: false, problem: 'the name before "=" must be 1-100 letters, digits or _ . - [ ] (e.g. "id", or "id=client_" to send id=client_1)' };
  }
  if (!PREFIX_RE.test(prefix)) return { ok: false, problem: 'the prefix after "=" must be at most 200 characters without control characters' };
  return { ok: true, spec: { name, prefix } };
}

/** Problems of a setting combination, each with the field it is about (empty: fine). */
export function integrationSettingsProblems(s: { page: IntegrationPage; action: IntegrationAction; parameterName: string; verification: boolean; headerNames: readonly string[] }): {
  field: string;
  message: string;
}[] {
  const out: { field: string; message: string }[] = [];
  const p = parseParameterName(s.parameterName);
  if (!p.ok) out.push({ field: 'parameterName', message: p.problem });
  else if (s.verification && Object.values(VERIFICATION_FIELDS).includes(p.spec.name as never)) {
    out.push({ field: 'parameterName', message: `"${p.spec.name}" is sent by the verification hash itself; choose another parameter name` });
  }
  if (s.action !== 'background' && s.headerNames.length > 0) {
    out.push({ field: 'headers', message: 'static headers are sent only by background requests (action "background"); the browser makes foreground requests' });
  }
  return out;
}

export type PayloadFields = [string, string][];

/** The fields a click sends, in order: one per object id (reminders repeat the parameter). */
export function payloadFields(parameterName: string, objectIds: readonly string[]): PayloadFields {
  const p = parseParameterName(parameterName);
  if (!p.ok) throw new Error(`parameterName: ${p.problem}`);
  return objectIds.map((id) => [p.spec.name, `${p.spec.prefix}${id}`]);
}

/**
 * A background request's payload as the delivery stores it (JSON of form fields; a list
 * repeats the field): what the delivery pipeline sends as a query string or form data.
 */
export function payloadBody(parameterName: string, page: IntegrationPage, objectIds: readonly string[]): string {
  const p = parseParameterName(parameterName);
  if (!p.ok) throw new Error(`parameterName: ${p.problem}`);
  if (objectIds.length === 0) throw new Error('at least one object id is needed');
  const values = objectIds.map((id) => `${p.spec.prefix}${id}`);
  return JSON.stringify({ [p.spec.name]: MULTI_OBJECT_PAGES.includes(page) ? values : values[0] });
}

/** The verification a request carries: computed by the signer from the salt it holds. */
export interface Verification {
  timestamp: string;
  verification: string;
}

/** What the browser does for a foreground action: open this URL (GET), or submit these fields to it (POST). */
export type ForegroundRequest = { method: 'GET'; url: string } | { method: 'POST'; url: string; fields: PayloadFields };

function withVerification(fields: PayloadFields, v: Verification | undefined): PayloadFields {
  return v ? [...fields, [VERIFICATION_FIELDS.timestamp, v.timestamp], [VERIFICATION_FIELDS.verification, v.verification]] : fields;
}

/** The query string appended to a URL that may carry one already. */
export function urlWithQuery(url: string, fields: PayloadFields): string {
  const u = new URL(url);
  for (const [k, v] of fields) u.searchParams.append(k, v);
  return u.toString();
}

export function foregroundRequest(s: Pick<IntegrationView, 'method' | 'url' | 'parameterName'>, objectIds: readonly string[], verification?: Verification): ForegroundRequest {
  const fields = withVerification(payloadFields(s.parameterName, objectIds), verification);
  return s.method === 'GET' ? { method: 'GET', url: urlWithQuery(s.url, fields) } : { method: 'POST', url: s.url, fields };
}

export interface PayloadPreview {
  method: IntegrationMethod;
  /** GET: where the query string goes; POST: where the form is posted. */
  url: string;
  /** How the fields travel. */
  sentAs: 'query string' | 'form data';
  /** Every key and value, in order; the verification fields as placeholders. */
  fields: { key: string; value: string }[];
  /** GET: the URL as it will look (with placeholders). */
  exampleUrl?: string;
  /** Names of the static headers a background request adds (never their values). */
  headers: string[];
}

/** The seed's "Payload Information": what a click would send for these object ids. */
export function previewPayload(
  s: Pick<IntegrationView, 'method' | 'url' | 'parameterName' | 'verification' | 'headerNames' | 'action'>,
  objectIds: readonly string[],
): PayloadPreview {
  const fields = withVerification(payloadFields(s.parameterName, objectIds), s.verification ? VERIFICATION_PLACEHOLDERS : undefined);
  return {
    method: s.method,
    url: s.url,
    sentAs: s.method === 'GET' ? 'query string' : 'form data',
    fields: fields.map(([key, value]) => ({ key, value })),
    ...(s.method === 'GET' ? { exampleUrl: urlWithQuery(s.url, fields) } : {}),
    headers: s.action === 'background' ? [...s.headerNames] : [],
  };
}

// ---- background requests: jobs and the seed's errors ---------------------------------

/** A background request as the user sees it. */
export const INTEGRATION_JOB_STATES = ['scheduled', 'sending', 'succeeded', 'failed'] as const;
export type IntegrationJobState = (typeof INTEGRATION_JOB_STATES)[number];

/** The seed's four errors: "Integration request failed (<one of these>)". */
export const INTEGRATION_ERRORS = ['Backend error', 'Connection error', 'Data error', 'Integration error'] as const;
export type IntegrationError = (typeof INTEGRATION_ERRORS)[number];

/**
 * Attempt error classes meaning the integration answered, but not with a 2xx: the seed's
 * "Integration error". Every other way a send can fail (the integration unreachable, a
 * timeout, a refused address, the platform's own failure) happened on the platform's
 * servers while sending: "Backend error".
 */
const INTEGRATION_ANSWERED: ReadonlySet<string> = new Set(['http-status', 'redirect', 'contract']);

export function integrationErrorForAttempt(errorClass: string | null | undefined): IntegrationError {
  return errorClass && INTEGRATION_ANSWERED.has(errorClass) ? 'Integration error' : 'Backend error';
}

/**
 * The seed's error for a trigger request that did not schedule anything: it did not go
 * through (no answer, the platform unavailable or the caller's session gone: "Connection
 * error"), or it carried invalid data (any other 4xx: "Data error").
 */
export function integrationErrorForTrigger(status: number | 'network'): IntegrationError {
  if (status === 'network' || status >= 500 || status === 401 || status === 403 || status === 408 || status === 429) return 'Connection error';
  return 'Data error';
}

/** What the delivery log says of a background request (its row in GET /v1/deliveries). */
export interface DeliveryOutcome {
  status: string | null;
  attempts: number;
  lastStatusCode: number | null;
  lastErrorClass: string | null;
  statusReason: string | null;
}

export interface IntegrationJobStatus {
  state: IntegrationJobState;
  /** When failed: which of the seed's errors. */
  error?: IntegrationError;
  /** The integration's HTTP status, when it answered. */
  statusCode?: number;
  /** Why it failed, in the platform's words (the log has more). */
  reason?: string;
}

/**
 * The job state from the delivery log: waiting for its attempt is "scheduled"; an attempt
 * made whose outcome is still being settled is "sending"; then "succeeded" or "failed"
 * with the seed's error. A cancelled request (its integration deleted or disabled
 * before it was sent) failed on the platform's side: Backend error.
 */
export function jobStatusOf(d: DeliveryOutcome): IntegrationJobStatus {
  const code = d.lastStatusCode ?? undefined;
  switch (d.status) {
    case 'succeeded':
      return { state: 'succeeded', ...(code !== undefined ? { statusCode: code } : {}) };
    case 'failed':
    case 'cancelled':
    case 'purged':
    case 'filtered':
      return {
        state: 'failed',
        error: d.status === 'failed' ? integrationErrorForAttempt(d.lastErrorClass) : 'Backend error',
        ...(code !== undefined ? { statusCode: code } : {}),
        ...(d.statusReason ? { reason: d.statusReason } : {}),
      };
    default:
      return { state: d.attempts > 0 ? 'sending' : 'scheduled' };
  }
}

export function isFinalJobState(s: IntegrationJobState): boolean {
  return s === 'succeeded' || s === 'failed';
}

/** The non-secret facts a background request's delivery carries (DeliveryCreated.context), for the log and its filters. */
export interface IntegrationJobContext {
  integration: { id: string; name: string };
  page: IntegrationPage;
  method: IntegrationMethod;
  objectIds: string[];
  /** Who clicked: an account, or a user through an account (the operator when testing). */
  triggeredBy: Actor;
}
