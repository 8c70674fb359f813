import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadSync } from '@grpc/proto-loader';
import type { ServiceDefinition } from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';
import { PROTO_ROOT } from '@hookline/contracts';
import { adminProtoFiles, adminServices, DECODE_OPTIONS, decodeRequest, fileDescriptors, loadAdminProtos, serviceDefinition, undecodable } from './server';

// @grpc/proto-loader, with the options the server used it with before, is the oracle: the
// definitions made from our own parse must put the same bytes on the wire and hand
// handlers the same objects.
const PROTO_LOADER = { keepCase: true, ...DECODE_OPTIONS, includeDirs: [PROTO_ROOT] };

/** A message with every field set: strings, numbers, enums, nested messages, repeated and map fields. */
function sample(type: protobuf.Type, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    field.resolve();
    const one = (): unknown => {
      if (field.resolvedType instanceof protobuf.Enum) return Object.keys(field.resolvedType.values).at(-1);
      if (field.resolvedType instanceof protobuf.Type) {
        if (field.resolvedType.fullName === '.google.protobuf.Value') return { stringValue: 'v', kind: 'stringValue' };
        return depth < 3 ? sample(field.resolvedType, depth + 1) : {};
      }
      switch (field.type) {
        case 'string':
          return `${field.name}-value`;
        case 'bool':
          return true;
        case 'bytes':
          return Buffer.from('b');
        case 'double':
        case 'float':
          return 1.5;
        default:
          return 7;
      }
    };
    const oneof = field.partOf;
    if (oneof && Object.keys(out).some((k) => oneof.oneof.includes(k))) continue;
    out[field.name] = field.map ? { k: one() } : field.repeated ? [one(), one()] : one();
  }
  return out;
}

describe('gRPC service definitions from one parse of the protos', () => {
  const root = loadAdminProtos();
  const oracle = loadSync(adminProtoFiles(), PROTO_LOADER);
  const services = adminServices(root);

  it('finds every admin service proto-loader finds', () => {
    const theirs = Object.keys(oracle).filter((k) => root.lookup(k) instanceof protobuf.Service);
    assert.ok(theirs.length >= 5);
    assert.deepEqual([...services.keys()].sort(), theirs.sort());
  });

  it('gives every method the same path, the same bytes on the wire and the same decoded objects', () => {
    let methods = 0;
    for (const [name, service] of services) {
      const ours = serviceDefinition(service);
      const theirs = oracle[name] as ServiceDefinition;
      assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort(), name);
      for (const [method, def] of Object.entries(ours)) {
        const other = theirs[method];
        assert.equal(def.path, other.path);
        assert.equal(def.requestStream, other.requestStream);
        assert.equal(def.responseStream, other.responseStream);
        const request = sample(root.lookupType(service.methods[method].requestType));
        const response = sample(root.lookupType(service.methods[method].responseType));
        const requestBytes = other.requestSerialize(request);
        assert.deepEqual(def.requestSerialize(request), requestBytes, `${def.path} request`);
        assert.deepEqual(def.requestDeserialize(requestBytes), other.requestDeserialize(requestBytes), `${def.path} decoded request`);
        const responseBytes = other.responseSerialize(response);
        assert.deepEqual(def.responseSerialize(response), responseBytes, `${def.path} response`);
        assert.deepEqual(def.responseDeserialize(responseBytes), other.responseDeserialize(responseBytes), `${def.path} decoded response`);
        methods++;
      }
    }
    assert.ok(methods > 20, `${methods} methods`);
  });

  it('describes the parsed files for reflection as proto-loader does (one file per package)', () => {
    const names = (files: Buffer[]) => files.map((b) => (FileDescriptorProto.decode(b) as unknown as { name: string }).name).sort();
    const theirs = (Object.values(oracle) as { fileDescriptorProtos?: Buffer[] }[]).find((d) => d.fileDescriptorProtos)?.fileDescriptorProtos ?? [];
    const ours = fileDescriptors(root);
    assert.deepEqual(names(ours), names(theirs));
    const described = ours.flatMap((b) => (FileDescriptorProto.decode(b) as unknown as { package: string; service: { name: string }[] }).service.map((x) => x.name));
    for (const name of services.keys()) assert.ok(described.includes(name.split('.').at(-1) as string), name);
  });
});

describe('gRPC server: a request that is not its message', () => {
  const type = loadAdminProtos().lookupType('hookline.admin.v1.GetTopicRequest');

  it('is handed on marked (the handler answers INVALID_ARGUMENT), not thrown (grpc-js would answer INTERNAL)', () => {
    for (const bytes of [[0xff, 0xff, 0xff, 0xff, 0x0f], [0x0f]]) {
      const why = undecodable(decodeRequest(type, Buffer.from(bytes)));
      assert.match(why ?? '', /^the request is not a valid GetTopicRequest message \(/, String(bytes));
    }
  });

  it('a valid one decodes as before, unmarked', () => {
    const decoded = decodeRequest(type, Buffer.from(type.encode(type.fromObject({ tenant: 't', name: 'A.B' })).finish()));
    assert.equal(undecodable(decoded), undefined);
    assert.deepEqual({ ...decoded }, { tenant: 't', name: 'A.B', _tenant: 'tenant' });
  });
});
