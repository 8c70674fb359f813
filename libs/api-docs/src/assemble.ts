// Puts the services' parts and the handlers' response types together into one OpenAPI
// 3.1 document for the public base URL (the gateway locally, the ingress on Kubernetes).
import type { AccessRule } from '@hookline/http';
import { HANDLER_OVERRIDES, EXTRA_PATHS, type HandlerOverride } from './overrides';
import type { ResponseTypes } from './response-types';
import { cleanSchema, componentName, refsIn, rewriteRefs, type JsonSchema } from './schema-refs';
import type { OperationPart, ServicePart } from './service-part';

const SCHEMAS = '#/components/schemas/';

export const SECURITY_SCHEMES: Record<string, JsonSchema> = {
  operatorToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'The operator token (HOOKLINE_OPERATOR_TOKEN): every route, every tenant; tenant-scoped routes then need `tenant`.',
  },
  accessToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      "An API account's access token, from POST /v1/auth/login (API token + TOTP code) or, acting as a user, POST /oauth/token. It acts in its account's tenant with its grants; each operation names the grant actions it needs (x-hookline-requires).",
  },
};

/** RFC 9457 problem details, as every error is answered (libs/http/src/problems.ts); and /health's answer. */
export const PROBLEM_SCHEMAS: Record<string, JsonSchema> = {
  Health: {
    type: 'object',
    properties: {
      status: { enum: ['ok', 'degraded'] },
      processes: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, state: { type: 'string' }, ready: { type: 'boolean' } }, required: ['name', 'state'] }, description: "the gateway of a supervising npm start: each process it runs" },
    },
    required: ['status'],
  },
  FieldProblem: {
    type: 'object',
    properties: { field: { type: 'string', description: 'dotted path of the field, e.g. grants.0.actions, or body' }, message: { type: 'string' } },
    required: ['field', 'message'],
  },
  Problem: {
    type: 'object',
    description: 'application/problem+json (RFC 9457). Some answers carry more members (an OAuth error code, a custom integration error).',
    properties: {
      type: { type: 'string', format: 'uri', examples: ['https://hookline.dev/problems/validation'] },
      title: { type: 'string' },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: { type: 'string' },
      errors: { type: 'array', items: { $ref: `${SCHEMAS}FieldProblem` }, description: 'one entry per invalid field (400)' },
      errorId: { type: 'string', description: 'for a 500: the id that is also in the log line' },
    },
    required: ['type', 'title', 'status'],
  },
};

const PROBLEM_STATUSES: Record<string, string> = {
  '400': 'Invalid request: `errors` names each field (a field or query parameter the route does not take is one too).',
  '401': 'No credentials, or ones that are not (or no longer) valid.',
  '403': 'The credentials do not cover this operation or this object.',
  '404': 'No such object, or one the caller may not see.',
  '409': "The id or name is taken, or the object's state forbids this.",
  '413': 'The body is over 256 KB.',
  '415': 'The body is not JSON.',
  '429': 'Throttled: Retry-After says when to try again.',
  '503': 'PostgreSQL, JetStream or the signer could not be reached in time: Retry-After, then retry the same request.',
};

function problemResponse(description: string): JsonSchema {
  return { description, content: { 'application/problem+json': { schema: { $ref: `${SCHEMAS}Problem` } } } };
}

function security(access: AccessRule): { security: JsonSchema[]; extra: JsonSchema } {
  switch (access.kind) {
    case 'public':
      return { security: [], extra: { 'x-hookline-access': 'public' } };
    case 'operator':
      return { security: [{ operatorToken: [] }], extra: { 'x-hookline-access': 'operator' } };
    case 'authenticated':
      return { security: [{ operatorToken: [] }, { accessToken: [] }], extra: { 'x-hookline-access': 'authenticated' } };
    case 'requires':
      return { security: [{ operatorToken: [] }, { accessToken: [] }], extra: { 'x-hookline-access': 'grants', 'x-hookline-requires': access.actions } };
  }
}

function accessSentence(access: AccessRule): string {
  switch (access.kind) {
    case 'public':
      return 'No credentials needed.';
    case 'operator':
      return 'Operator token only.';
    case 'authenticated':
      return 'Any valid token.';
    case 'requires':
      return `Needs ${access.actions.map((a) => `\`${a}\``).join(' and ')} (the operator token has every permission).`;
  }
}

/** A name from `UnitsController`: `Units`. */
function tagOf(key: string): string {
  return key.split(':')[1].split('.')[0].replace(/Controller$/, '');
}

function firstSentence(doc: string): string {
  const line = doc.split('\n')[0];
  const m = /^(.+?[.:!?])(\s|$)/.exec(line);
  const s = (m ? m[1] : line).replace(/[.:]$/, '');
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** A query string cannot carry null: the DTO's "null is skipped" means nothing there. */
function withoutNull(schema: JsonSchema): JsonSchema {
  const out = { ...schema };
  if (Array.isArray(out.type)) {
    const types = out.type.filter((t: string) => t !== 'null');
    out.type = types.length === 1 ? types[0] : types;
  }
  if (Array.isArray(out.enum)) out.enum = out.enum.filter((v: unknown) => v !== null);
  if (Array.isArray(out.anyOf)) {
    const rest = out.anyOf.filter((s: JsonSchema) => s.type !== 'null');
    if (rest.length === 1 && Object.keys(out).length === 1) return rest[0];
    out.anyOf = rest;
  }
  return out;
}

/** Query parameters from the @Query() DTO's schema, one per property. */
function queryParameters(dto: JsonSchema): JsonSchema[] {
  const required = new Set<string>(dto.required ?? []);
  return Object.entries<JsonSchema>(dto.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: required.has(name), schema: withoutNull(schema) }));
}

export interface AssembleInput {
  parts: ServicePart[];
  responses: ResponseTypes;
  version: string;
}

/**
 * Request DTO names are class names; two services may use the same one for different
 * classes. Identical schemas are shared, different ones get the service in their name.
 */
function mergeRequestSchemas(parts: ServicePart[]): { schemas: Record<string, JsonSchema>; renamed: Map<string, Map<string, string>> } {
  const schemas: Record<string, JsonSchema> = {};
  const owner: Record<string, string> = {};
  const renamed = new Map<string, Map<string, string>>();
  for (const part of parts) {
    const names = new Map<string, string>();
    for (const [name, schema] of Object.entries(part.schemas)) {
      const same = schemas[name] !== undefined && JSON.stringify(schemas[name]) === JSON.stringify(schema);
      names.set(name, schemas[name] === undefined || same ? name : `${name}_${part.service.replace(/-/g, '_')}`);
      owner[name] ??= part.service;
    }
    renamed.set(part.service, names);
    for (const [name, schema] of Object.entries(part.schemas)) {
      const to = names.get(name) as string;
      schemas[to] = rewriteRefs(schema, (ref) => (ref.startsWith(SCHEMAS) ? SCHEMAS + (names.get(ref.slice(SCHEMAS.length)) ?? ref.slice(SCHEMAS.length)) : ref));
    }
  }
  return { schemas, renamed };
}

/** typescript-json-schema's definitions as components: `#/definitions/Page%3CUnitView%3E` -> `#/components/schemas/UnitViewPage`. */
function responseSchemas(responses: ResponseTypes): { toComponent: (s: JsonSchema) => JsonSchema; schemas: Record<string, JsonSchema> } {
  const toComponent = (s: JsonSchema): JsonSchema => rewriteRefs(cleanSchema(s), (ref) => (ref.startsWith('#/definitions/') ? SCHEMAS + componentName(ref.slice('#/definitions/'.length)) : ref));
  const schemas: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(responses.definitions)) {
    const to = componentName(name);
    if (schemas[to] && JSON.stringify(schemas[to]) !== JSON.stringify(toComponent(schema))) throw new Error(`two response types are both named ${to} (${name})`);
    schemas[to] = toComponent(schema);
  }
  return { toComponent, schemas };
}

function operationFor(op: OperationPart, part: ServicePart, input: AssembleInput, renamed: Map<string, string>, toComponent: (s: JsonSchema) => JsonSchema, override: HandlerOverride): JsonSchema {
  const facts = input.responses.handlers.get(op.key) ?? input.responses.handlers.get(`*:${op.key.split(':')[1]}`);
  if (!facts) throw new Error(`${op.key}: its return type was not read (is its file a *.controller.ts?)`);
  const { security: sec, extra } = security(op.access);
  const parameters: JsonSchema[] = [];
  for (const p of (op.operation.parameters ?? []) as JsonSchema[]) {
    // @Headers('idempotency-key') and the like: every header the handlers read is optional.
    parameters.push(p.in === 'header' ? { ...p, required: false } : p);
  }
  if (op.queryDto) parameters.push(...queryParameters(part.schemas[op.queryDto]));
  parameters.push(...(override.parameters ?? []));
  const description = [facts.doc, accessSentence(op.access), override.description].filter(Boolean).join('\n\n');
  const responses: JsonSchema = {};
  const answer = facts.schema ? { description: 'OK', content: { 'application/json': { schema: toComponent(facts.schema) } } } : { description: 'Done; no content.' };
  const success = override.responses ?? Object.fromEntries((override.statuses ?? [String(op.statusCode)]).map((s) => [s, answer]));
  Object.assign(responses, success);
  const hasInput = parameters.length > 0 || op.bodyDto !== undefined || override.requestBody !== undefined;
  const codes = ['400', '401', '403', '404', '409', '413', '415', '429', '503'].filter((c) => {
    if (c === '400') return hasInput;
    if (c === '401' || c === '403') return op.access.kind !== 'public';
    if (c === '413' || c === '415') return op.bodyDto !== undefined || override.requestBody !== undefined;
    if (c === '429') return override.throttled === true;
    return true;
  });
  for (const c of codes) responses[c] ??= { $ref: `#/components/responses/Problem${c}` };
  responses.default = { $ref: '#/components/responses/Problem' };
  const operation: JsonSchema = {
    operationId: `${tagOf(op.key)}_${op.key.split('.').pop()}`,
    // The doc comment's first sentence, else the handler's name: "Units: create".
    summary: facts.doc ? firstSentence(facts.doc) : `${override.tag ?? tagOf(op.key)}: ${(op.key.split('.').pop() as string).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}`,
    description,
    tags: [override.tag ?? tagOf(op.key)],
    parameters: parameters.length > 0 ? parameters : undefined,
    requestBody:
      override.requestBody ??
      (op.bodyDto ? { required: true, content: { 'application/json': { schema: { $ref: SCHEMAS + (renamed.get(op.bodyDto) ?? op.bodyDto) } } } } : undefined),
    responses,
    security: sec,
    ...extra,
    'x-hookline-service': part.service,
  };
  for (const k of ['parameters', 'requestBody']) if (operation[k] === undefined) delete operation[k];
  return operation;
}

/** The whole document. Throws on anything it cannot describe truthfully (an unknown handler, a name clash, a dangling $ref). */
export function assembleDocument(input: AssembleInput): JsonSchema {
  const { schemas: requestSchemas, renamed } = mergeRequestSchemas(input.parts);
  const { toComponent, schemas: answerSchemas } = responseSchemas(input.responses);
  for (const name of Object.keys(answerSchemas)) {
    if (requestSchemas[name]) throw new Error(`${name} is both a request DTO and a response type: rename one`);
  }
  const paths: Record<string, JsonSchema> = {};
  const seen = new Map<string, string>();
  for (const part of input.parts) {
    for (const op of part.operations) {
      const override = HANDLER_OVERRIDES[op.key.split(':')[1]] ?? HANDLER_OVERRIDES[op.key] ?? {};
      if (override.exclude) continue;
      const id = `${op.method} ${op.path}`;
      // The same library controller (health) in several services: described once.
      const handler = op.key.split(':')[1];
      if (seen.has(id)) {
        if (seen.get(id) !== handler) throw new Error(`${id} is answered by two handlers (${seen.get(id)}, ${op.key})`);
        continue;
      }
      seen.set(id, handler);
      const operation = operationFor(op, part, input, renamed.get(part.service) as Map<string, string>, toComponent, override);
      paths[op.path] ??= {};
      paths[op.path][op.method] = operation;
    }
  }
  for (const [path, item] of Object.entries(EXTRA_PATHS)) {
    if (paths[path]) throw new Error(`${path} is described twice`);
    paths[path] = item;
  }
  const sortedPaths = Object.fromEntries(Object.keys(paths).sort().map((p) => [p, paths[p]]));
  const ids = Object.values(sortedPaths).flatMap((item) => Object.values<JsonSchema>(item).map((o) => o.operationId as string));
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dup.length > 0) throw new Error(`operationIds used twice: ${dup.join(', ')}`);
  const allSchemas = { ...PROBLEM_SCHEMAS, ...requestSchemas, ...answerSchemas };
  const responses: Record<string, JsonSchema> = { Problem: problemResponse('An error (RFC 9457 problem details).') };
  for (const [code, text] of Object.entries(PROBLEM_STATUSES)) responses[`Problem${code}`] = problemResponse(text);
  const document: JsonSchema = {
    openapi: '3.1.0',
    info: {
      title: 'Hookline API',
      version: input.version,
      description:
        'The public HTTP API of Hookline: one base URL, whose path prefixes the gateway (npm start) or the Kubernetes ingress route to the services (libs/contracts/src/routes.ts). ' +
        'Generated from the controllers (routes, parameters), the class-validator DTOs (request schemas) and the handlers\' TypeScript return types (responses) by `npm run openapi`; ' +
        'docs/api.md explains each route in prose. The OpenID provider\'s own endpoints under /oidc are described by its discovery document, /oidc/.well-known/openid-configuration.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/', description: 'the base URL this document was fetched from' }],
    security: [{ operatorToken: [] }, { accessToken: [] }],
    tags: [...new Set(Object.values(sortedPaths).flatMap((item) => Object.values<JsonSchema>(item).flatMap((o) => o.tags as string[])))].sort().map((name) => ({ name })),
    paths: sortedPaths,
    components: { schemas: Object.fromEntries(Object.keys(allSchemas).sort().map((k) => [k, allSchemas[k]])), responses, securitySchemes: SECURITY_SCHEMES },
  };
  const missing = [...refsIn(document)].filter((ref) => {
    const [, kind, name] = /^#\/components\/(schemas|responses)\/(.+)$/.exec(ref) ?? [];
    return !kind || document.components[kind][name] === undefined;
  });
  if (missing.length > 0) throw new Error(`dangling $refs: ${[...new Set(missing)].join(', ')}`);
  return document;
}
