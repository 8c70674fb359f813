// The OpenAPI document and its reference page, as a client generator and a person get
// them: through the public base URL (the gateway, as the ingress would), from the registry.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readOpenApiDocument } from '@hookline/contracts';
import { startTestStack, type TestStack } from '@hookline/testing';

describe('the OpenAPI document at /openapi.json', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ services: ['registry'] });
  });

  after(async () => {
    await stack?.stop();
  });

  it('is served without credentials, exactly the committed document', async () => {
    const res = await fetch(`${stack.url}/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const text = await res.text();
    assert.equal(text, readOpenApiDocument());
    const doc = JSON.parse(text) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/v1/units/{id}'] && doc.paths['/v1/deliveries/{id}'] && doc.paths['/v1/listener-logs'], 'every service\'s routes, in one document');
  });

  it('has a browsable reference page whose scripts and styles come from the API itself', async () => {
    const page = await fetch(`${stack.url}/api-reference`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const html = await page.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(refs.sort(), ['api-reference/start.js', 'api-reference/swagger-ui-bundle.js', 'api-reference/swagger-ui.css']);
    for (const ref of refs) {
      const res = await fetch(`${stack.url}/${ref}`);
      assert.equal(res.status, 200, ref);
      assert.match(res.headers.get('content-type') ?? '', ref.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      assert.ok((await res.arrayBuffer()).byteLength > 0);
    }
    const start = await (await fetch(`${stack.url}/api-reference/start.js`)).text();
    assert.match(start, /url: '\.\.\/openapi\.json'/);
    const missing = await stack.anonymous.get('/api-reference/../../etc/passwd');
    assert.equal(missing.status, 404);
    const unknown = await stack.anonymous.get('/api-reference/index.html');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  });
});
