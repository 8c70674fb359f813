// The few handlers whose answer their return type cannot tell (they write the response
// themselves: a stream, a script, a redirect, a status chosen at run time) or whose body
// is read by hand, and the one public route that is not a controller (listener ingest).
// One table: the generator looks a handler up here instead of branching on its name.
import type { JsonSchema } from './schema-refs';

export interface HandlerOverride {
  /** Not part of the public API (reachable only on a service's own port). */
  exclude?: string;
  responses?: Record<string, JsonSchema>;
  /** The success statuses the return type answers with, when the handler picks one at run time. */
  statuses?: string[];
  requestBody?: JsonSchema;
  parameters?: JsonSchema[];
  description?: string;
  tag?: string;
  /** Answers 429 when throttled. */
  throttled?: boolean;
}

const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

/** The OAuth 2.0 endpoints take form parameters (RFC 6749 §4) or the same as JSON. */
function formOrJson(schema: JsonSchema): JsonSchema {
  return { required: true, content: { 'application/x-www-form-urlencoded': { schema }, 'application/json': { schema } } };
}

const TOKEN_EXCHANGE: JsonSchema = {
  type: 'object',
  properties: {
    grant_type: { const: 'urn:ietf:params:oauth:grant-type:token-exchange' },
    subject_token: { type: 'string', description: "the API account's access token" },
    subject_token_type: { enum: ['urn:ietf:params:oauth:token-type:access_token', 'urn:ietf:params:oauth:token-type:jwt'] },
    requested_token_type: { const: 'urn:ietf:params:oauth:token-type:access_token' },
    requested_subject: { type: 'string', description: 'the id of the user to act as' },
    audience: { type: 'string' },
    resource: { type: 'string' },
    scope: { type: 'string' },
    client_id: { type: 'string' },
  },
  required: ['grant_type', 'subject_token', 'subject_token_type', 'requested_subject'],
  additionalProperties: false,
};

/** Keyed by `Controller.method` (any service) or `service:Controller.method`. */
export const HANDLER_OVERRIDES: Record<string, HandlerOverride> = {
  'HealthController.ready': { exclude: "each service's own port (a probe), not the public base URL" },
  'HealthController.health': {
    description: 'The gateway answers it itself (under a supervising npm start, listing each process: 503 while one is not running and ready); each service answers it on its own port too.',
    responses: {
      '200': { description: 'Alive.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } },
      '503': { description: 'A supervised process is not running or not ready (the gateway of npm start).', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } },
    },
  },
  'AuthController.login': { throttled: true },
  'AuthController.token': {
    requestBody: formOrJson(TOKEN_EXCHANGE),
    description: 'Errors are problem details that also carry the OAuth 2.0 `error` and `error_description` (RFC 6749 §5.2).',
  },
  'OidcController.introspect': {
    requestBody: formOrJson({ type: 'object', properties: { token: { type: 'string', maxLength: 16384 }, token_type_hint: { type: 'string', maxLength: 100 } }, additionalProperties: false }),
  },
  'OidcController.interaction': {
    responses: { '303': { description: "On to the host application's sign-in page (HOOKLINE_OIDC_SIGNIN_URL) with the interaction id, tenant, installation and app.", headers: { Location: { schema: { type: 'string', format: 'uri' } } } } },
  },
  'ButtonsBundleController.get': {
    responses: {
      '200': { description: 'The <hookline-integrations> web component, one ES module.', headers: { ETag: { schema: { type: 'string' } } }, content: { 'text/javascript': { schema: { type: 'string' } } } },
      '304': { description: 'Not modified (If-None-Match matched the ETag).' },
    },
    parameters: [{ name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } }],
  },
  'IntegrationJobsController.events': {
    responses: {
      '200': {
        description: 'Server-Sent Events: `event: state` with {jobId, state, error?, statusCode?, reason?} now and on every change; the stream ends when the job does.',
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      },
    },
  },
  'audit-log:DeliveriesController.resendMany': {
    description: '200 with the count for a dry run; 202 with the job otherwise.',
    // The handler sets the status itself; its return type is the union of both answers.
    statuses: ['200', '202'],
  },
  'RecordsController.list': {
    description: 'Besides the parameters below, `key.<column>=<value>` filters on a key column of the listener\'s tables (given once, 1 to 1000 characters).',
    parameters: [
      { name: 'tenant', in: 'query', required: false, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } },
      { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500 } },
      { name: 'cursor', in: 'query', required: false, schema: { type: 'string', maxLength: 512 } },
      { name: 'modifiedFrom', in: 'query', required: false, schema: { type: 'string', description: 'an ISO 8601 date or date-time' } },
      { name: 'modifiedTo', in: 'query', required: false, schema: { type: 'string', description: 'an ISO 8601 date or date-time' } },
    ],
  },
  'OpenApiController.document': {
    responses: { '200': { description: 'This document.', content: { 'application/json': { schema: { type: 'object' } } } } },
  },
  'OpenApiController.reference': {
    responses: {
      '200': { description: 'A browsable reference of this document (Swagger UI, served from this service; nothing is loaded from elsewhere).', content: { 'text/html': { schema: { type: 'string' } } } },
      '301': { description: 'From /api-reference/ to /api-reference.', headers: { Location: { schema: { type: 'string' } } } },
    },
  },
  'OpenApiController.asset': {
    responses: { '200': { description: "One of the reference page's scripts or style sheets.", content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } } } },
  },
};

const HOOK_RESPONSES: JsonSchema = {
  '202': {
    description: 'Accepted: every record is on the ingest stream; the apply consumer writes them to the tables in order.',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: { requestId: { type: 'string' }, records: { type: 'integer', minimum: 0 }, duplicate: { type: 'boolean', description: 'the deduplication key was seen before; nothing new was published' } },
          required: ['requestId', 'records', 'duplicate'],
          additionalProperties: false,
        },
      },
    },
  },
  '400': { description: 'The body is not JSON, or a record does not fit the tables (errors name the field).', content: problem },
  '401': { description: "The listener's token or signature is missing or wrong.", content: problem },
  '404': { description: 'No such listener (or record, for PATCH and DELETE).', content: problem },
  '413': { description: 'The body is over the listener\'s limit (also after decompression).', content: problem },
  '503': { description: 'JetStream could not store the records in time: retry.', content: problem },
  default: { $ref: '#/components/responses/Problem' },
};

function hookOperation(method: string, withRecord: boolean): JsonSchema {
  return {
    operationId: `Hooks_${method}${withRecord ? 'Record' : ''}`,
    summary: `${method.toUpperCase()} to an inbound webhook listener`,
    description:
      "Inbound webhooks: the listener's token (where its settings say: a header, the query, or Authorization), then its signature over the raw body, then the JSON (or what the listener's script makes of it) becomes records. " +
      'POST and PUT upsert, PATCH merges into a record, DELETE removes it. Not for API tokens: each listener has its own.',
    tags: ['Hooks'],
    security: [],
    'x-hookline-access': 'listener-token',
    'x-hookline-service': 'webhook-listener',
    parameters: [
      { name: 'serviceId', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'listenerId', in: 'path', required: true, schema: { type: 'string' } },
      ...(withRecord ? [{ name: 'recordId', in: 'path', required: true, schema: { type: 'string' } }] : []),
    ],
    ...(method === 'delete' ? {} : { requestBody: { required: method !== 'delete', content: { 'application/json': { schema: {} } } } }),
    responses: HOOK_RESPONSES,
  };
}

/** Public routes that are not controllers: webhook-listener hands /hooks/* the raw request before any body parser. */
export const EXTRA_PATHS: Record<string, JsonSchema> = {
  '/hooks/{serviceId}/{listenerId}': Object.fromEntries(['post', 'put', 'patch', 'delete'].map((m) => [m, hookOperation(m, false)])),
  '/hooks/{serviceId}/{listenerId}/{recordId}': Object.fromEntries(['post', 'put', 'patch', 'delete'].map((m) => [m, hookOperation(m, true)])),
};
