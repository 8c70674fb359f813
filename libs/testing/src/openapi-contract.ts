// The contract test's checker: does an HTTP exchange agree with the OpenAPI document?
// Schemas are validated by ajv (JSON Schema 2020-12, OpenAPI 3.1's dialect) against the
// document itself; this file only finds the operation and the parts to check.
//
// The rule: a request the document calls valid gets a documented status whose body fits;
// a request the document calls invalid must be refused (4xx), because a server that
// accepts it means the document is stricter than the API.
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { appendFileSync, readFileSync } from 'node:fs';
import { OPENAPI_DOCUMENT_FILE } from '@hookline/contracts';

type Json = Record<string, any>;

export interface Exchange {
  method: string;
  /** Path and query, as sent. */
  url: string;
  requestContentType?: string;
  /** The body as sent (text). */
  requestBody?: string;
  status: number;
  responseContentType?: string;
  responseText: string;
}

export interface Violation {
  method: string;
  path: string;
  status: number;
  operation?: string;
  problem: string;
}

/** Paths the document leaves to others: the OpenID provider's own endpoints (its discovery document describes them), the local gateway's pages. */
const UNDESCRIBED_PREFIXES = ['/oidc/', '/local/'];

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 3)
    .map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`)
    .join('; ');
}

interface Route {
  template: string;
  pattern: RegExp;
  names: string[];
  literal: number;
}

export class OpenApiContract {
  private readonly ajv: Ajv2020;
  private readonly routes: Route[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly document: Json) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    // class-validator's IsUrl takes what the WHATWG URL parser does (ajv-formats' "url" refuses private addresses).
    this.ajv.addFormat('url', (s: string) => URL.canParse(s));
    this.ajv.addSchema(document, 'openapi');
    this.routes = Object.keys(document.paths).map((template) => {
      const names: string[] = [];
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      return { template, pattern: new RegExp(`^${source}$`), names, literal: template.replace(/\{[^}]+\}/g, '').length };
    });
    // Literal segments first: /v1/integrations/buttons before /v1/integrations/{id}.
    this.routes.sort((a, b) => b.literal - a.literal);
  }

  static fromFile(file = OPENAPI_DOCUMENT_FILE): OpenApiContract {
    return new OpenApiContract(JSON.parse(readFileSync(file, 'utf8')) as Json);
  }

  /** A validator for the schema at a JSON pointer into the document. */
  private validator(pointer: string): ValidateFunction {
    let v = this.compiled.get(pointer);
    if (!v) {
      v = this.ajv.compile({ $ref: `openapi#${pointer}` });
      this.compiled.set(pointer, v);
    }
    return v;
  }

  private resolve(node: Json): Json {
    let n = node;
    while (n && typeof n.$ref === 'string') {
      n = n.$ref.slice(2).split('/').reduce((o: Json, k: string) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], this.document);
    }
    return n;
  }

  check(x: Exchange): Violation[] {
    const u = new URL(x.url, 'http://x');
    // Express routes /v1/units/ as /v1/units (non-strict routing): so does the check.
    const path = u.pathname.length > 1 ? u.pathname.replace(/\/+$/, '') || '/' : u.pathname;
    const method = x.method.toLowerCase();
    const out: Violation[] = [];
    const fail = (problem: string, operation?: string) => out.push({ method: x.method, path, status: x.status, operation, problem });
    const route = this.routes.find((r) => r.pattern.test(path));
    const operation: Json | undefined = route ? this.document.paths[route.template][method] : undefined;
    if (!route || !operation) {
      // Nothing documented here: the API must not answer it either. Any refusal will do (a 404,
      // or a 413/415/400 from the body parsers, which run before routing).
      if (UNDESCRIBED_PREFIXES.some((p) => path.startsWith(p)) && !route) return out;
      if (x.status < 400 || x.status >= 500) fail(route ? `${x.method} is not documented for ${route.template}, yet answered ${x.status}` : `no documented path matches, yet answered ${x.status}`);
      return out;
    }
    const base = `/paths/${route.template.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}`;
    const opId = operation.operationId as string;

    // The request, as the document sees it.
    const requestProblems: string[] = [];
    const values = route.pattern.exec(path)?.slice(1) ?? [];
    const parameters = ((operation.parameters ?? []) as Json[]).map((p) => this.resolve(p));
    parameters.forEach((p, i) => {
      const at = `${base}/parameters/${i}/schema`;
      if (p.in === 'path') {
        const value = decodeURIComponent(values[route.names.indexOf(p.name)] ?? '');
        if (!this.validParameter(at, p.schema, [value])) requestProblems.push(`path parameter ${p.name}=${value}`);
      } else if (p.in === 'query') {
        const given = u.searchParams.getAll(p.name);
        if (given.length === 0) {
          if (p.required) requestProblems.push(`query parameter ${p.name} is required`);
        } else if (!this.validParameter(at, p.schema, given)) requestProblems.push(`query parameter ${p.name}=${given.join(',')}: ${describe(this.validator(at).errors)}`);
      }
    });
    // A body of only white space is no body to the JSON parser the services use.
    const sent = x.requestBody !== undefined && x.requestBody.trim() !== '';
    const body = operation.requestBody ? this.resolve(operation.requestBody) : undefined;
    if (sent) {
      const type = mediaType(x.requestContentType);
      const media = body?.content?.[type] ?? (/^application\/[a-z0-9.+-]*\+json$/.test(type) ? body?.content?.['application/json'] : undefined);
      if (!media) requestProblems.push(`a ${type || 'untyped'} body is not documented`);
      else if (media.schema) {
        const parsed = this.parseBody(type, x.requestBody as string);
        const mediaKey = body?.content?.[type] ? type : 'application/json';
        const v = this.validator(`${base}/requestBody/content/${mediaKey.replace(/\//g, '~1')}/schema`);
        if (parsed === undefined) requestProblems.push(`the body does not parse (${JSON.stringify((x.requestBody as string).slice(0, 60))}…)`);
        else if (!v(parsed)) requestProblems.push(`body: ${describe(v.errors)}`);
      }
    } else if (body?.required && method !== 'get') requestProblems.push('the body is required');
    if (requestProblems.length > 0 && x.status < 400) {
      fail(`the document calls this request invalid (${requestProblems.join('; ')}), yet it was answered ${x.status}`, opId);
    }

    // The response.
    const key = operation.responses?.[String(x.status)] ? String(x.status) : operation.responses?.default ? 'default' : undefined;
    if (!key) {
      fail(`status ${x.status} is not documented (documented: ${Object.keys(operation.responses ?? {}).join(', ')})`, opId);
      return out;
    }
    const response = this.resolve(operation.responses[key]);
    const pointer = operation.responses[key].$ref ? (operation.responses[key].$ref as string).slice(1) : `${base}/responses/${key}`;
    if (!response.content) {
      if (x.responseText !== '' && x.status !== 304) fail(`answered ${x.status} with a body, where the document says there is none`, opId);
      return out;
    }
    const type = mediaType(x.responseContentType);
    const media = response.content[type];
    if (!media) {
      fail(`answered ${x.status} as ${type || '(no content type)'}, the document says ${Object.keys(response.content).join(' or ')}`, opId);
      return out;
    }
    if (media.schema && (type === 'application/json' || type.endsWith('+json'))) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(x.responseText);
      } catch {
        fail(`answered ${x.status} with a body that is not JSON`, opId);
        return out;
      }
      const v = this.validator(`${pointer}/content/${type.replace(/\//g, '~1')}/schema`);
      if (!v(parsed)) fail(`the ${x.status} answer does not fit the document: ${describe(v.errors)}`, opId);
    }
    return out;
  }

  private validParameter(pointer: string, schema: Json, given: string[]): boolean {
    const s = this.resolve(schema ?? {});
    const types: string[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    const coerce = (v: string): unknown => {
      // As the query DTOs read numbers (class-transformer's @Type(() => Number) is Number()).
      if (types.includes('integer') || types.includes('number')) return v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
      if (types.includes('boolean')) return v === 'true' ? true : v === 'false' ? false : v;
      return v;
    };
    const value = types.includes('array') ? given.map((g) => g) : given.length === 1 ? coerce(given[0]) : given;
    return this.validator(pointer)(value);
  }

  private parseBody(type: string, text: string): unknown {
    if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
    try {
      // The services' JSON parser (body-parser) ignores a leading byte order mark, as RFC 8259 §8.1 allows.
      return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch {
      return undefined;
    }
  }
}

let shared: OpenApiContract | undefined;

/**
 * When HOOKLINE_OPENAPI_VIOLATIONS names a file (the test runner sets it for the
 * end-to-end and browser tiers), every exchange an ApiClient makes is checked and each
 * violation appended to it as a JSON line; the runner fails the tier on any.
 */
export function recordExchange(x: Exchange): void {
  const file = process.env.HOOKLINE_OPENAPI_VIOLATIONS;
  if (!file) return;
  const testFile = process.argv.find((a) => /\.(e2e|browser)\.ts$/.test(a)) ?? process.argv[1];
  let violations: Violation[];
  try {
    shared ??= OpenApiContract.fromFile();
    violations = shared.check(x);
  } catch (err) {
    // The checker must not fail the test it watches: its own failure is a violation to look at.
    violations = [{ method: x.method, path: x.url.split('?')[0], status: x.status, problem: `the contract check failed: ${(err as Error).message}` }];
  }
  for (const v of violations) appendFileSync(file, `${JSON.stringify({ ...v, file: testFile })}\n`);
}
