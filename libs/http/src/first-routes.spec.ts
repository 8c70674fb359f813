import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { correlation, type Logger } from '@hookline/observability';
import { firstRouteFor, isUtf8JsonType, parseJsonBody, sendJson, serveBeforeExpress, serveFirst, type FirstRoute } from './first-routes';
import { ProblemFilter } from './problem.filter';
import { ValidationError } from './problems';

describe('first routes: which requests they take', () => {
  const routes: FirstRoute[] = [{ method: 'POST', path: '/v1/events', handle: async () => undefined }];
  const json = { 'content-type': 'application/json' };

  it('JSON in UTF-8, +json types, any case; not another type or charset', () => {
    for (const t of ['application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset="UTF8"', 'application/cloudevents+json', 'application/json; foo=bar']) {
      assert.equal(isUtf8JsonType(t), true, t);
    }
    for (const t of [undefined, '', 'text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x']) {
      assert.equal(isUtf8JsonType(t), false, String(t));
    }
  });

  it('the exact path and method, with or without a query; the rest goes on to express', () => {
    assert.equal(firstRouteFor(routes, 'POST', '/v1/events', json), routes[0]);
    assert.equal(firstRouteFor(routes, 'POST', '/v1/events?x=1', json), routes[0]);
    assert.equal(firstRouteFor(routes, 'POST', '/v1/events/', json), undefined);
    assert.equal(firstRouteFor(routes, 'POST', '/v1/events/x', json), undefined);
    assert.equal(firstRouteFor(routes, 'GET', '/v1/events', json), undefined);
    assert.equal(firstRouteFor(routes, 'POST', 'http://h/v1/events', json), undefined, 'absolute form: express routes it');
    assert.equal(firstRouteFor(routes, 'POST', '/v1/events', {}), undefined, 'no content type: express answers it');
    assert.equal(firstRouteFor(routes, 'POST', '/v1/events', { ...json, 'content-encoding': 'gzip' }), undefined, 'compressed: express inflates it');
    assert.equal(firstRouteFor(routes, 'POST', '/v1/events', { ...json, 'content-encoding': 'identity' }), routes[0]);
  });

  it('reads the body as body-parser does: empty is {}, a BOM is dropped, any JSON value', () => {
    assert.deepEqual(parseJsonBody(Buffer.alloc(0)), {});
    assert.deepEqual(parseJsonBody(Buffer.from('\ufeff{"a":1}')), { a: 1 });
    assert.equal(parseJsonBody(Buffer.from('"x"')), 'x');
    assert.deepEqual(parseJsonBody(Buffer.from('[1,2]')), [1, 2]);
  });

  it('malformed JSON and JSON too deep are 400s naming the body', () => {
    for (const text of ['{', ' ', '{"a":1,}']) {
      assert.throws(() => parseJsonBody(Buffer.from(text)), (e: unknown) => e instanceof ValidationError && e.errors[0].field === 'body' && /^malformed JSON: /.test(e.errors[0].message), text);
    }
    const deep = '['.repeat(200) + ']'.repeat(200);
    assert.throws(() => parseJsonBody(Buffer.from(deep)), (e: unknown) => e instanceof ValidationError && e.errors.length === 1);
  });

  it('bytes that are not UTF-8 are a 400 naming the body, not text with U+FFFD in it', () => {
    for (const bytes of [[0xff], [0xc3], [0xed, 0xa0, 0x80] /* an encoded surrogate */]) {
      const raw = Buffer.concat([Buffer.from('{"a":"x'), Buffer.from(bytes), Buffer.from('"}')]);
      assert.throws(() => parseJsonBody(raw), (e: unknown) => e instanceof ValidationError && e.errors[0].field === 'body' && e.errors[0].message === 'the body is not valid UTF-8', String(bytes));
    }
    assert.deepEqual(parseJsonBody(Buffer.from('{"a":"é😀"}')), { a: 'é😀' });
  });
});

describe('first routes on a real server, in front of another listener', () => {
  let server: Server;
  let base: string;
  const timedCalls: string[] = [];
  const logged: unknown[] = [];
  const logger = { warn: (o: unknown) => logged.push(o), error: (o: unknown) => logged.push(o), info: () => undefined, debug: () => undefined } as unknown as Logger;

  before(async () => {
    // The "express" behind: answers 299 with what it saw, so a test can tell who answered.
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => sendJson(res, 299, { behind: true, bytes: Buffer.concat(chunks).length }));
    });
    const routes: FirstRoute[] = [
      {
        method: 'POST',
        path: '/v1/events',
        async handle(req, res, body) {
          if ((body as { fail?: string }).fail === 'domain') throw new ValidationError([{ field: 'topic', message: 'must be a string' }]);
          if ((body as { fail?: string }).fail === 'bug') throw new TypeError('x is undefined');
          sendJson(res, 202, { body, correlation: correlation.current() });
        },
      },
      {
        method: 'POST',
        path: '/v1/unscoped',
        scope: false,
        async handle(_req, res, body, correlationId) {
          sendJson(res, 202, { correlation: correlation.current() ?? null, given: correlationId, open: correlation.openScopes() });
        },
      },
    ];
    serveFirst(server, routes, {
      problems: new ProblemFilter(logger),
      timed: (req, _res, next) => {
        timedCalls.push(`${req.method} ${req.url}`);
        next();
      },
      bodyLimitBytes: 1024,
      bodyLimitText: '1kb',
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const post = (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }, path = '/v1/events') => fetch(base + path, { method: 'POST', headers, body });

  it('answers the route with the parsed body, the correlation id given, and times it', async () => {
    timedCalls.length = 0;
    const res = await post(JSON.stringify({ a: 1 }), { 'content-type': 'application/json', 'x-correlation-id': 'c-123' });
    assert.equal(res.status, 202);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(res.headers.get('x-correlation-id'), 'c-123');
    assert.deepEqual(await res.json(), { body: { a: 1 }, correlation: 'c-123' });
    assert.deepEqual(timedCalls, ['POST /v1/events']);
  });

  it('a route with scope: false is given the id, sent back too, and runs outside any scope', async () => {
    const res = await post('{}', { 'content-type': 'application/json', 'x-correlation-id': 'c-77' }, '/v1/unscoped');
    assert.equal(res.status, 202);
    assert.equal(res.headers.get('x-correlation-id'), 'c-77');
    assert.deepEqual(await res.json(), { correlation: null, given: 'c-77', open: 0 });
  });

  it('makes a correlation id when none is given', async () => {
    const res = await post('{}');
    const id = res.headers.get('x-correlation-id');
    assert.ok(id && id.length > 0);
    assert.equal(((await res.json()) as { correlation: string }).correlation, id);
  });

  it('a domain error is its problem+json; a bug is a 500 with an error id, logged', async () => {
    const bad = await post(JSON.stringify({ fail: 'domain' }));
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    const problem = (await bad.json()) as { errors: { field: string }[] };
    assert.equal(problem.errors[0].field, 'topic');
    logged.length = 0;
    const bug = await post(JSON.stringify({ fail: 'bug' }));
    assert.equal(bug.status, 500);
    const body = (await bug.json()) as { errorId: string; detail: string };
    assert.match(body.detail, new RegExp(body.errorId));
    assert.equal((logged[0] as { errorId: string; path: string }).errorId, body.errorId);
    assert.equal((logged[0] as { path: string }).path, '/v1/events');
  });

  it('malformed JSON is a 400 naming the body; a body over the limit a 413, declared or streamed', async () => {
    const malformed = await post('{"a":');
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { errors: { field: string }[] }).errors[0].field, 'body');
    const declared = await post('x'.repeat(2000));
    assert.equal(declared.status, 413);
    assert.match(((await declared.json()) as { detail: string }).detail, /1kb/);
    // Without a Content-Length (chunked), the limit is counted as the body arrives.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode('[' + '1,'.repeat(200) + '1]'));
        c.close();
      },
    });
    const chunked = await fetch(base + '/v1/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    assert.equal(chunked.status, 413);
  });

  it('whatever it does not take reaches the listener behind, body and all', async () => {
    const gz = gzipSync(Buffer.from('{"a":1}'));
    for (const [body, headers, path] of [
      [gz, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, '/v1/events'],
      ['a=1', { 'content-type': 'application/x-www-form-urlencoded' }, '/v1/events'],
      ['{}', { 'content-type': 'application/json; charset=latin1' }, '/v1/events'],
      ['{}', { 'content-type': 'application/json' }, '/v1/other'],
    ] as const) {
      const res = await post(body as string | Buffer, headers as Record<string, string>, path);
      assert.equal(res.status, 299, JSON.stringify(headers) + path);
      assert.deepEqual(await res.json(), { behind: true, bytes: Buffer.byteLength(body as string | Buffer) });
    }
  });
});

describe('a handler in front of express, with and without a correlation scope', () => {
  const seen: { scoped: string | undefined; given: string; open: number }[] = [];
  let base: string;
  let server: Server;

  before(async () => {
    server = createServer((_req, res) => sendJson(res, 299, { behind: true }));
    const answer = (req: IncomingMessage, res: ServerResponse, _picked: true, correlationId: string) => {
      // Answered after an await: a scope must outlast the call that opened it.
      setTimeout(() => {
        seen.push({ scoped: correlation.current(), given: correlationId, open: correlation.openScopes() });
        sendJson(res, 200, {});
      }, 5);
    };
    serveBeforeExpress(server, (req) => (req.url?.startsWith('/scoped') ? true : undefined), answer);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('in a scope: the id holds across the handler\'s awaits, and the scope closes with the response', async () => {
    const res = await fetch(`${base}/scoped`, { headers: { 'x-correlation-id': 'c-9' } });
    assert.equal(res.headers.get('x-correlation-id'), 'c-9');
    await res.arrayBuffer();
    assert.deepEqual(seen.pop(), { scoped: 'c-9', given: 'c-9', open: 1 });
    for (let i = 0; i < 50 && correlation.openScopes() > 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(correlation.openScopes(), 0);
  });

  it('without a scope: the handler is given the id (sent back too) and no scope is opened', async () => {
    const unscoped = createServer((_req, res) => sendJson(res, 299, { behind: true }));
    serveBeforeExpress(unscoped, () => true as const, (_req, res, _picked, id) => {
      seen.push({ scoped: correlation.current(), given: id, open: correlation.openScopes() });
      sendJson(res, 200, {});
    }, undefined, { scope: false });
    await new Promise<void>((r) => unscoped.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(unscoped.address() as AddressInfo).port}/x`;
      const given = await fetch(url, { headers: { 'x-correlation-id': 'c-10' } });
      assert.equal(given.headers.get('x-correlation-id'), 'c-10');
      assert.deepEqual(seen.pop(), { scoped: undefined, given: 'c-10', open: 0 });
      const made = await fetch(url, { headers: { 'x-correlation-id': 'bad\tid' } });
      const id = made.headers.get('x-correlation-id') ?? '';
      assert.match(id, /^[0-9a-f-]{36}$/, 'a forged id is replaced by a new one');
      assert.deepEqual(seen.pop(), { scoped: undefined, given: id, open: 0 });
    } finally {
      await new Promise<void>((r) => unscoped.close(() => r()));
    }
  });
});
