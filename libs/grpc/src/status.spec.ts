import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { status as Code } from '@grpc/grpc-js';
import { decodeStatusDetails, grpcCodeFor, grpcErrorFor } from './status';

describe('REST status to gRPC code', () => {
  const cases: [number, string, Code][] = [
    [400, 'CreateUnit', Code.INVALID_ARGUMENT],
    [401, 'GetUnit', Code.UNAUTHENTICATED],
    [403, 'UpdateUnit', Code.PERMISSION_DENIED],
    [404, 'GetUnit', Code.NOT_FOUND],
    [409, 'CreateUnit', Code.ALREADY_EXISTS],
    [409, 'Install', Code.ALREADY_EXISTS],
    [409, 'DeleteUnit', Code.FAILED_PRECONDITION],
    [413, 'CreateListener', Code.RESOURCE_EXHAUSTED],
    [415, 'CreateUnit', Code.INVALID_ARGUMENT],
    [429, 'ListUnits', Code.RESOURCE_EXHAUSTED],
    [500, 'ListUnits', Code.INTERNAL],
    [503, 'ListUnits', Code.UNAVAILABLE],
    [418, 'ListUnits', Code.FAILED_PRECONDITION],
    [502, 'ListUnits', Code.INTERNAL],
  ];
  for (const [http, method, code] of cases) it(`${http} from ${method} is ${Code[code]}`, () => assert.equal(grpcCodeFor(http, method), code));
});

describe('the details of an error', () => {
  it('a validation problem: ErrorInfo and one BadRequest violation per field', () => {
    const e = grpcErrorFor(
      { type: 'https://hookline.dev/problems/validation', title: 'Invalid request', status: 400, detail: 'id: bad; name: empty', errors: [{ field: 'id', message: 'bad' }, { field: 'name', message: 'empty' }] },
      'CreateUnit',
    );
    assert.equal(e.code, Code.INVALID_ARGUMENT);
    assert.equal(e.details, 'id: bad; name: empty');
    const s = decodeStatusDetails(e.metadata.get('grpc-status-details-bin')[0] as Buffer);
    assert.equal(s.code, Code.INVALID_ARGUMENT);
    assert.equal(s.message, 'id: bad; name: empty');
    assert.deepEqual(s.details['google.rpc.ErrorInfo'], { reason: 'validation', domain: 'hookline.dev', metadata: { type: 'https://hookline.dev/problems/validation', status: '400' } });
    assert.deepEqual(s.details['google.rpc.BadRequest'], { fieldViolations: [{ field: 'id', description: 'bad' }, { field: 'name', description: 'empty' }] });
    assert.equal(s.details['google.rpc.RetryInfo'], undefined);
  });
  it('an outage: RetryInfo with the delay REST sends as Retry-After; an internal error keeps its error id', () => {
    const busy = decodeStatusDetails(grpcErrorFor({ type: 'https://hookline.dev/problems/unavailable', title: 'Service unavailable', status: 503, detail: 'later' }, 'ListUnits', 2).metadata.get('grpc-status-details-bin')[0] as Buffer);
    assert.deepEqual(busy.details['google.rpc.RetryInfo'], { retryDelay: { seconds: 2, nanos: 0 } });
    const bug = decodeStatusDetails(grpcErrorFor({ type: 'https://hookline.dev/problems/internal', title: 'Internal error', status: 500, detail: 'x', errorId: 'e-1' }, 'ListUnits').metadata.get('grpc-status-details-bin')[0] as Buffer);
    assert.equal((bug.details['google.rpc.ErrorInfo'].metadata as Record<string, string>).errorId, 'e-1');
  });
});
