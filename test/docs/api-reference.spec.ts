// docs/api.md is the contract of the HTTP API: every route a controller declares has a
// heading there ("### `GET /v1/units/{id}`"), and every such heading is a route that
// exists. The routes are read from the controllers' decorators with the TypeScript parser
// (the tests may not import services), so a new route without documentation fails here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { allRoutes, METHOD_DECORATORS, root, routeKey as key, routesIn, sourceFiles } from './controller-routes';

const REFERENCE = 'docs/api.md';

/** "GET /v1/units/{id}" for each heading of the form "### `GET /v1/units/{id}`" (backticks optional, levels 2 to 4). */
function documentedRoutes(markdown: string): string[] {
  const out: string[] = [];
  for (const line of markdown.split('\n')) {
    const m = /^#{2,4}\s+`?([A-Z]+) (\/\S*?)`?\s*$/.exec(line);
    if (m && Object.values(METHOD_DECORATORS).includes(m[1])) out.push(`${m[1]} ${m[2]}`);
  }
  return out;
}

describe('the route reader', () => {
  const cases: [string, string, string[]][] = [
    ['a prefix and handler paths', "@Controller('v1/units') class U { @Get() list() {} @Get(':id') get() {} @Delete(':id') @HttpCode(204) del() {} }", ['GET /v1/units', 'GET /v1/units/{id}', 'DELETE /v1/units/{id}']],
    ['no prefix', "@Controller() class A { @Post('v1/auth/login') login() {} @Get('.well-known/jwks.json') jwks() {} }", ['POST /v1/auth/login', 'GET /.well-known/jwks.json']],
    ['decorators over several lines, with others between', "@Controller('v1/push')\nexport class P {\n  @Put('types/:type/enabled')\n  @Requires('push:write')\n  set(@Body() b: X) {}\n}", ['PUT /v1/push/types/{type}/enabled']],
    ['slashes on either side', "@Controller('/v1/x/') class X { @Patch('/:name/') p() {} }", ['PATCH /v1/x/{name}']],
    ['a class that is not a controller', "@Injectable() class S { @Get('x') x() {} }", []],
  ];
  for (const [name, source, want] of cases) it(name, () => assert.deepEqual(routesIn(source, 'x.ts').map(key), want));
  it('refuses a path it cannot read', () => {
    assert.throws(() => routesIn("const P = 'x'; @Controller(P) class C {}", 'c.ts'), /c\.ts:1: the route path must be a string literal/);
    assert.throws(() => routesIn("@Controller('v1') class C { @Get(['a', 'b']) m() {} }", 'c.ts'), /string literal/);
  });
  it('reads headings with or without backticks, and nothing else', () => {
    const md = ['## Units', '### `GET /v1/units/{id}`', '#### POST /v1/units', '### `GET /health`', 'GET /v1/not-a-heading', '### Get the units', '##### `GET /too/deep`'].join('\n');
    assert.deepEqual(documentedRoutes(md), ['GET /v1/units/{id}', 'POST /v1/units', 'GET /health']);
  });
});

describe(`${REFERENCE} documents every route`, () => {
  const routes = allRoutes();
  const documented = documentedRoutes(readFileSync(join(root, REFERENCE), 'utf8'));

  it('finds the controllers (so the checks below cannot pass on nothing)', () => {
    for (const known of ['POST /v1/events', 'GET /v1/deliveries/{id}', 'GET /health', 'POST /oauth/token']) assert.ok(routes.some((r) => key(r) === known), `${known} not found among ${routes.length} routes`);
  });

  it('no route is mounted where the decorators do not say (a global prefix, versioning or a RouterModule would be missed)', () => {
    const offenders = sourceFiles().filter((f) => /\bsetGlobalPrefix\(|\benableVersioning\(|\bRouterModule\.register\(/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => relative(root, f)), [], `teach test/docs/api-reference.spec.ts about these before using them`);
  });

  it('every route has a heading', () => {
    const have = new Set(documented);
    const missing = routes.filter((r) => !have.has(key(r)));
    assert.equal(
      missing.length,
      0,
      `${missing.length} route(s) have no heading in ${REFERENCE}. Add one per route, in the section of its feature, as\n` +
        `  ### \`METHOD /path/{param}\`\n` +
        `followed by who may call it (operator, or which grant action on what), its query parameters, body fields (type, required, limits, defaults), ` +
        `its status codes with a real answer, and its errors:\n` +
        missing.map((r) => `  - ${key(r)}   (${r.at})`).join('\n'),
    );
  });

  it('every heading is a route that exists, once', () => {
    const have = new Set(routes.map(key));
    const stale = documented.filter((d) => !have.has(d));
    assert.deepEqual(stale, [], `${REFERENCE} has headings for routes no controller declares (renamed or removed?): ${stale.join(', ')}`);
    const twice = documented.filter((d, i) => documented.indexOf(d) !== i);
    assert.deepEqual(twice, [], `${REFERENCE} documents these routes more than once: ${twice.join(', ')}`);
  });
});
