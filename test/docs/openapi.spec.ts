// The OpenAPI document (libs/contracts/src/openapi/hookline.openapi.json) is the code's: it
// is what `npm run openapi` generates now, a valid OpenAPI 3.1 document whose schemas
// JSON Schema 2020-12 compiles, it has every route the controllers declare (read
// independently, from the decorators' source), and everything it documents is reachable
// at the public base URL (the gateway's and the ingress's route table).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { OPENAPI_DOCUMENT_FILE, routeFor } from '@hookline/contracts';
import { OpenApiContract } from '@hookline/testing';
import { allRoutes, root } from './controller-routes';

// An ESM-only package, loaded from this CommonJS test as secrets.e2e.ts does.
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;

const document = JSON.parse(readFileSync(OPENAPI_DOCUMENT_FILE, 'utf8')) as Record<string, any>;
const HTTP = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const documented = Object.entries<Record<string, unknown>>(document.paths).flatMap(([path, item]) => HTTP.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`));

/** Routes the document leaves out on purpose, with the reason. */
const NOT_PUBLIC: Record<string, string> = {
  'GET /ready': "a probe on each service's own port; the public base URL does not route it",
};

describe('the OpenAPI document', () => {
  it('is what npm run openapi makes of the code now', () => {
    const r = spawnSync(process.execPath, ['-r', '@swc-node/register', join(root, 'libs/api-docs/src/generate.ts'), '--check'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stderr}\n(run npm run openapi and commit libs/contracts/src/openapi/hookline.openapi.json)`);
  });

  it('is valid OpenAPI 3.1', async () => {
    const { Validator } = await importEsm<{ Validator: new () => { version: string; validate(d: unknown): Promise<{ valid: boolean; errors?: unknown }> } }>(
      '@seriousme/openapi-schema-validator',
    );
    const v = new Validator();
    const result = await v.validate(document);
    assert.equal(v.version, '3.1');
    assert.deepEqual(result.errors ?? [], []);
    assert.equal(result.valid, true);
  });

  it('every schema compiles as JSON Schema 2020-12 (the dialect of OpenAPI 3.1), with no unknown keyword', () => {
    const ajv = new Ajv2020({ strict: true, strictTypes: false, strictTuples: false, allowUnionTypes: true, validateFormats: false });
    ajv.addKeyword('x-hookline-conditional');
    // The schemas alone, as $defs (strict mode refuses the document's other members as keywords).
    const defs = JSON.parse(JSON.stringify(document.components.schemas).replaceAll('#/components/schemas/', 'schemas#/$defs/'));
    ajv.addSchema({ $id: 'schemas', $defs: defs });
    for (const name of Object.keys(defs)) ajv.compile({ $ref: `schemas#/$defs/${name}` });
  });

  it('has every route a controller declares, and only routes that exist', () => {
    // OpenAPI has no wildcard parameter: Nest's `{*path}` (the rest of the path) is documented as `{path}`.
    const routes = allRoutes().map((r) => `${r.method} ${r.path.replaceAll('{*', '{')}`);
    assert.ok(routes.length > 60, `${routes.length} routes read`);
    const missing = [...new Set(routes)].filter((r) => !NOT_PUBLIC[r] && !documented.includes(r));
    assert.deepEqual(missing, [], 'routes with no operation in the document: regenerate it (npm run openapi)');
    const extra = documented.filter((d) => !routes.includes(d) && !d.includes(' /hooks/'));
    assert.deepEqual(extra, [], 'operations no controller declares');
    for (const r of Object.keys(NOT_PUBLIC)) assert.ok(!documented.includes(r), `${r} is documented although it is not public`);
  });

  it('documents listener ingest (/hooks/*), which is not a controller', () => {
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) assert.ok(documented.includes(`${m} /hooks/{serviceId}/{listenerId}`), m);
  });

  it('every documented path is routed by the public route table (gateway and ingress) to the service that answers it', () => {
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      const concrete = path.replace(/\{[^}]+\}/g, 'x');
      if (path === '/health') continue; // answered by the gateway itself and by each service
      for (const m of HTTP.filter((x) => item[x])) {
        assert.equal(routeFor(concrete), item[m]['x-hookline-service'], `${m.toUpperCase()} ${path}`);
      }
    }
  });

  it('names the security of every operation from the handlers\' own access rules', () => {
    assert.deepEqual(Object.keys(document.components.securitySchemes).sort(), ['accessToken', 'operatorToken']);
    const op = (m: string, p: string) => document.paths[p][m];
    assert.deepEqual(op('post', '/v1/tenants').security, [{ operatorToken: [] }]);
    assert.deepEqual(op('post', '/v1/units')['x-hookline-requires'], ['units:write']);
    assert.deepEqual(op('post', '/v1/units').security, [{ operatorToken: [] }, { accessToken: [] }]);
    assert.deepEqual(op('post', '/v1/auth/login').security, []);
    assert.equal(op('get', '/v1/auth/me')['x-hookline-access'], 'authenticated');
  });

  it('carries the class-validator rules as schema constraints, and problem+json for errors', () => {
    const s = document.components.schemas;
    assert.deepEqual(s.CreateUnitDto.required, ['id', 'name']);
    assert.equal(s.CreateUnitDto.properties.id.pattern, '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$');
    assert.equal(s.CreateUnitDto.additionalProperties, false);
    assert.equal(s.CreateReceiverDto.properties.topics.maxItems, 100);
    const limit = (document.paths['/v1/units'].get.parameters as { name: string; schema: Record<string, unknown> }[]).find((p) => p.name === 'limit');
    assert.deepEqual(limit?.schema, { maximum: 500, type: 'integer', minimum: 1 });
    assert.deepEqual(document.components.responses.Problem400.content['application/problem+json'].schema, { $ref: '#/components/schemas/Problem' });
  });
});

describe('the contract checker (libs/testing openapi-contract.ts)', () => {
  const contract = new OpenApiContract(document);
  const unit = { id: 'north', tenant: 'acme', name: 'North', parentId: null, path: ['north'], createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
  const cases: [string, Parameters<OpenApiContract['check']>[0], RegExp | null][] = [
    ['a documented answer', { method: 'GET', url: '/v1/units/north?tenant=acme', status: 200, responseContentType: 'application/json', responseText: JSON.stringify(unit) }, null],
    ['an answer with a field the document does not have', { method: 'GET', url: '/v1/units/north', status: 200, responseContentType: 'application/json', responseText: JSON.stringify({ ...unit, colour: 'red' }) }, /additional properties/],
    ['a status the operation does not document', { method: 'DELETE', url: '/v1/units/north', status: 200, responseContentType: 'application/json', responseText: '{}' }, /not documented|the document says/],
    ['a refused invalid request (a problem)', { method: 'POST', url: '/v1/units', requestContentType: 'application/json', requestBody: '{"id":"bad id!"}', status: 400, responseContentType: 'application/problem+json', responseText: JSON.stringify({ type: 'https://hookline.dev/problems/validation', title: 'Invalid request', status: 400 }) }, null],
    ['an accepted request the document calls invalid', { method: 'POST', url: '/v1/units', requestContentType: 'application/json', requestBody: '{"id":"north","name":"N","colour":"red"}', status: 201, responseContentType: 'application/json', responseText: JSON.stringify(unit) }, /calls this request invalid/],
    ['a query parameter out of range that was answered', { method: 'GET', url: '/v1/units?limit=9999', status: 200, responseContentType: 'application/json', responseText: '{"data":[],"nextCursor":null}' }, /limit/],
    ['an undocumented route that answers', { method: 'GET', url: '/v1/nothing-here', status: 200, responseContentType: 'application/json', responseText: '{}' }, /no documented path/],
    ['an undocumented route that is a 404', { method: 'GET', url: '/v1/nothing-here', status: 404, responseContentType: 'application/problem+json', responseText: '{}' }, null],
    ['an undocumented method the body parser refused', { method: 'PATCH', url: '/v1/units', requestContentType: 'text/plain', requestBody: 'x', status: 415, responseContentType: 'application/problem+json', responseText: '{}' }, null],
    ['a body after a byte order mark, which the JSON parser ignores (RFC 8259 §8.1)', { method: 'PATCH', url: '/v1/units/north', requestContentType: 'application/json', requestBody: '\uFEFF{"name":"N"}', status: 200, responseContentType: 'application/json', responseText: JSON.stringify(unit) }, null],
    ['a body that does not parse, answered', { method: 'PATCH', url: '/v1/units/north', requestContentType: 'application/json', requestBody: '{"name":', status: 200, responseContentType: 'application/json', responseText: JSON.stringify(unit) }, /does not parse/],
    ['a trailing slash, routed as without', { method: 'GET', url: '/v1/units/north/', status: 200, responseContentType: 'application/json', responseText: JSON.stringify(unit) }, null],
  ];
  for (const [name, exchange, want] of cases) {
    it(name, () => {
      const problems = contract.check(exchange).map((v) => v.problem);
      if (want === null) assert.deepEqual(problems, []);
      else assert.ok(problems.some((p) => want.test(p)), problems.join(' | ') || '(no violation)');
    });
  }
});
