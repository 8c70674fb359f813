import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDatabaseUnavailable } from './problem.filter';

describe('problem filter: a database outage is a 503, not a 500', () => {
  const cases: [string, unknown, boolean][] = [
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), true],
    ['connection cut', new Error('Connection terminated unexpectedly'), true],
    ['server shutting down (TypeORM wraps it)', Object.assign(new Error('terminating connection due to administrator command'), { driverError: { code: '57P01' } }), true],
    ['server starting up', Object.assign(new Error('the database system is starting up'), { code: '57P03' }), true],
    ['a constraint violation', Object.assign(new Error('duplicate key value'), { code: '23505' }), false],
    ['a bad value', Object.assign(new Error('invalid input syntax for type uuid'), { driverError: { code: '22P02' } }), false],
    ['a plain bug', new TypeError('x is undefined'), false],
    ['not an error', 'oops', false],
  ];
  for (const [name, err, want] of cases) it(name, () => assert.equal(isDatabaseUnavailable(err), want));
});
