// Hostile input at the request layer every service shares (libs/http) and at the gRPC
// admin API (libs/grpc), found by an attacker's review: each answer a clear 4xx naming
// what is wrong, the same over gRPC as over REST, never a 500 or a wait for bytes that
// will not come.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { PROTO_ROOT } from '@hookline/contracts';
import { adminProtoFiles, decodeStatusDetails } from '@hookline/grpc';
import { assertProblem, startTestStack, type TestStack } from '@hookline/testing';

const TENANT = 'probe';

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
}

/** The answer in these bytes once all of it (its Content-Length) has come, else undefined. */
function completeAnswer(bytes: Buffer): RawAnswer | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const headers = bytes.subarray(0, end).toString('latin1');
  const length = Number(/\r\ncontent-length: *(\d+)/i.exec(headers)?.[1] ?? 0);
  if (bytes.length < end + 4 + length) return undefined;
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0), headers, body: bytes.subarray(end + 4, end + 4 + length).toString('utf8') };
}

/** Sends bytes as they are on a new connection and reads the answer (not waiting for the rest of a body it never sends). */
function rawRequest(port: number, head: string, body: Buffer = Buffer.alloc(0)): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    socket.on('data', (c: Buffer) => {
      received = Buffer.concat([received, c]);
      const answer = completeAnswer(received);
      if (answer) {
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`the connection closed before a whole answer: ${received.toString('latin1').slice(0, 200)}`)));
    socket.write(Buffer.concat([Buffer.from(head.replace(/\n/g, '\r\n') + '\r\n'), body]));
  });
}

/** A POST of these bytes, with its length declared. */
function post(port: number, path: string, token: string, body: Buffer, extraHeaders = ''): Promise<RawAnswer> {
  return rawRequest(port, `POST ${path} HTTP/1.1\nHost: x\nAuthorization: Bearer ${token}\nContent-Type: application/json\n${extraHeaders}Content-Length: ${body.length}\nConnection: close\n`, body);
}

function problemOf(a: RawAnswer): { status: number; detail: string; errors?: { field: string; message: string }[] } {
  assert.match(a.headers, /content-type: application\/problem\+json/i, a.headers);
  return JSON.parse(a.body);
}

type Unary = (req: object, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res?: object) => void) => void;

describe('API probe: hostile input at the shared request layer and the gRPC admin API', () => {
  let stack: TestStack;
  let port: number;
  let topics: grpc.Client & Record<string, Unary>;

  before(async () => {
    stack = await startTestStack({ services: ['registry', 'signer'] });
    port = stack.services.registry.port;
    assert.equal((await stack.operator.post('/v1/tenants', { id: TENANT, name: 'Probe' })).status, 201);
    const definition = grpc.loadPackageDefinition(loadSync(adminProtoFiles(), { keepCase: true, longs: Number, enums: String, defaults: false, oneofs: false, includeDirs: [PROTO_ROOT] })) as any;
    topics = new definition.hookline.admin.v1.TopicsService(stack.grpcAddress, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 16 * 1024 * 1024 });
  });

  after(async () => {
    topics?.close();
    await stack?.stop();
  });

  function operatorMetadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${stack.operatorToken}`);
    return md;
  }

  function grpcFailure(call: (cb: (err: grpc.ServiceError | null) => void) => void): Promise<grpc.ServiceError> {
    return new Promise((resolve, reject) => call((err) => (err ? resolve(err) : reject(new Error('the call succeeded')))));
  }

  it('a body that does not decompress as its Content-Encoding says is a 400 naming the body (it was a 500)', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const p = problemOf(await post(port, '/v1/units', stack.operatorToken, Buffer.from('{"tenant":"probe","id":"z","name":"Z"}'), `Content-Encoding: ${encoding}\n`));
      assert.equal(p.status, 400, `${encoding}: ${JSON.stringify(p)}`);
      assert.deepEqual(p.errors, [{ field: 'body', message: `the body is not valid ${encoding} data` }]);
    }
    // A real gzip body still works.
    const ok = await post(port, '/v1/units', stack.operatorToken, gzipSync(JSON.stringify({ tenant: TENANT, id: 'gz', name: 'Gz' })), 'Content-Encoding: gzip\n');
    assert.equal(ok.status, 201, ok.body);
  });

  it('a body declared larger than the limit is a 413 at once, before any of it is sent (it waited for every declared byte)', async () => {
    // No byte of the body is ever sent: the answer must not wait for it.
    const a = await rawRequest(port, `POST /v1/units HTTP/1.1\nHost: x\nAuthorization: Bearer ${stack.operatorToken}\nContent-Type: application/json\nContent-Length: 99999999\n`);
    assert.equal(a.status, 413, a.headers);
    assert.equal(problemOf(a).status, 413);
  });

  it('JSON bytes that are not UTF-8 are a 400 naming the body, not stored with U+FFFD (express and the first routes alike)', async () => {
    const bad = (prefix: string, suffix: string) => Buffer.concat([Buffer.from(prefix), Buffer.from([0xff, 0xfe]), Buffer.from(suffix)]);
    const unit = problemOf(await post(port, '/v1/units', stack.operatorToken, bad('{"tenant":"probe","id":"latin","name":"a', 'b"}')));
    assert.equal(unit.status, 400);
    assert.deepEqual(unit.errors, [{ field: 'body', message: 'the body is not valid UTF-8' }]);
    assertProblem(await stack.operator.get(`/v1/units/latin?tenant=${TENANT}`), 404);
    // POST /v1/events is answered before express (first-routes.ts).
    const event = problemOf(await post(port, '/v1/events', stack.operatorToken, bad('{"tenant":"probe","topic":"A.B","object":{"type":"x","id":"1"},"data":{"a":"', '"}}')));
    assert.equal(event.status, 400);
    assert.deepEqual(event.errors, [{ field: 'body', message: 'the body is not valid UTF-8' }]);
  });

  it('gRPC: bytes that are not the request message are INVALID_ARGUMENT with a BadRequest, not INTERNAL', async () => {
    const err = await grpcFailure((cb) => topics.makeUnaryRequest('/hookline.admin.v1.TopicsService/GetTopic', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), operatorMetadata(), cb));
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT, err.details);
    const details = decodeStatusDetails(err.metadata.get('grpc-status-details-bin')[0] as Buffer).details;
    assert.equal((details['google.rpc.BadRequest'].fieldViolations as { field: string }[])[0].field, 'body');
  });

  it('gRPC: a request larger than REST’s body limit is refused as REST refuses it (it was taken up to 4 MB)', async () => {
    const big = 'x'.repeat(300 * 1024);
    assertProblem(await stack.operator.post('/v1/topics', { tenant: TENANT, name: 'Big.Rest', example: { a: big } }), 413);
    const err = await grpcFailure((cb) => topics.CreateTopic({ tenant: TENANT, name: 'Big.Grpc', example: { fields: { a: { stringValue: big } } } }, operatorMetadata(), cb));
    assert.equal(err.code, grpc.status.RESOURCE_EXHAUSTED, err.details);
    assertProblem(await stack.operator.get(`/v1/topics/Big.Grpc?tenant=${TENANT}`), 404);
  });

  it('gRPC: JSON wider than REST takes (more than 10,000 keys in an object) is INVALID_ARGUMENT naming it, as REST’s 400', async () => {
    const wide = Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, 0]));
    assertProblem(await stack.operator.post('/v1/topics', { tenant: TENANT, name: 'Wide.Rest', example: wide }), 400, 'example');
    const fields = Object.fromEntries(Object.keys(wide).map((k) => [k, { numberValue: 0 }]));
    const err = await grpcFailure((cb) => topics.CreateTopic({ tenant: TENANT, name: 'Wide.Grpc', example: { fields } }, operatorMetadata(), cb));
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT, err.details);
    assert.match(err.details, /more than 10000 keys/);
    assertProblem(await stack.operator.get(`/v1/topics/Wide.Grpc?tenant=${TENANT}`), 404);
  });

  it('gRPC: an update_mask path named __proto__, constructor or toString is INVALID_ARGUMENT naming it (__proto__ was INTERNAL)', async () => {
    assert.equal((await stack.operator.post('/v1/topics', { tenant: TENANT, name: 'Masked.Topic', description: 'kept' })).status, 201);
    for (const path of ['__proto__', 'constructor', 'toString']) {
      const err = await grpcFailure((cb) => topics.UpdateTopic({ tenant: TENANT, name: 'Masked.Topic', update_mask: { paths: [path] } }, operatorMetadata(), cb));
      assert.equal(err.code, grpc.status.INVALID_ARGUMENT, `${path}: ${err.details}`);
      const details = decodeStatusDetails(err.metadata.get('grpc-status-details-bin')[0] as Buffer).details;
      assert.deepEqual((details['google.rpc.BadRequest'].fieldViolations as { field: string }[]).map((v) => v.field), [path]);
    }
    assert.equal((await stack.operator.get(`/v1/topics/Masked.Topic?tenant=${TENANT}`)).body.description, 'kept');
  });

  it('gRPC: an example’s key named __proto__ is kept as data, as REST keeps it (it was lost)', async () => {
    const example = JSON.parse('{"__proto__":{"a":1},"b":2}') as Record<string, unknown>;
    assert.equal((await stack.operator.post('/v1/topics', { tenant: TENANT, name: 'Proto.Rest', example })).status, 201);
    const fields: Record<string, unknown> = {};
    Object.defineProperty(fields, '__proto__', { value: { structValue: { fields: { a: { numberValue: 1 } } } }, enumerable: true });
    fields.b = { numberValue: 2 };
    await new Promise<void>((resolve, reject) => topics.CreateTopic({ tenant: TENANT, name: 'Proto.Grpc', example: { fields } }, operatorMetadata(), (err) => (err ? reject(err) : resolve())));
    const rest = await stack.operator.get(`/v1/topics/Proto.Rest?tenant=${TENANT}`);
    const viaGrpc = await stack.operator.get(`/v1/topics/Proto.Grpc?tenant=${TENANT}`);
    for (const res of [rest, viaGrpc]) {
      // jsonb orders the keys its own way; what matters is that __proto__ is one of them.
      assert.deepEqual(Object.keys(res.body.example).sort(), ['__proto__', 'b'], res.text);
      assert.deepEqual(res.body.example['__proto__'], { a: 1 });
    }
    assert.equal(JSON.stringify(viaGrpc.body.example), JSON.stringify(rest.body.example));
  });
});
