// The plain-code check of POST /v1/events' body against the validation pipe on
// PublishEventDto: for every body in the table both accept it (with the same value) or
// both refuse it naming the same fields with the same messages.
import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createValidationPipe, ValidationError } from '@hookline/http';
import { checkPublishEvent } from './publish-event.check';
import { PublishEventDto } from './publish-event.dto';

const pipe = createValidationPipe();

async function viaPipe(body: unknown): Promise<{ ok: true; value: unknown } | { ok: false; problems: unknown }> {
  try {
    const value = await pipe.transform(body, { type: 'body', metatype: PublishEventDto, data: undefined });
    // Optional fields given as null mean the same to the service as left out.
    return { ok: true, value: JSON.parse(JSON.stringify(value), (_k, v: unknown) => (v === null ? undefined : v)) };
  } catch (err) {
    if (err instanceof ValidationError) return { ok: false, problems: err.errors };
    return { ok: false, problems: [{ field: 'body', message: (err as Error).message }] };
  }
}

const valid = { tenant: 'acme', topic: 'Accounts.Update', object: { type: 'account', id: '42', unit: 'u-1' }, data: { name: 'Ada' } };
const long = (n: number) => 'x'.repeat(n);

const bodies: [string, unknown][] = [
  ['a complete event', valid],
  ['no tenant, no unit, no data', { topic: 'A.b', object: { type: 't', id: '1' } }],
  ['null tenant, unit and data (optional)', { tenant: null, topic: 'A.b', object: { type: 't', id: '1', unit: null }, data: null }],
  ['data with prototype-named keys', { ...valid, data: { __proto__: 1, constructor: { prototype: 2 } } }],
  ['no topic', { ...valid, topic: undefined }],
  ['a null topic', { ...valid, topic: null }],
  ['a topic with a space', { ...valid, topic: 'has space' }],
  ['a numeric topic', { ...valid, topic: 42 }],
  ['a tenant in capitals', { ...valid, tenant: 'ACME' }],
  ['a numeric tenant', { ...valid, tenant: 7 }],
  ['no object', { ...valid, object: undefined }],
  ['an object that is text', { ...valid, object: 'x' }],
  ['an object that is a list', { ...valid, object: [1] }],
  ['an object without id', { ...valid, object: { type: 'account' } }],
  ['an object with a numeric type', { ...valid, object: { type: 7, id: '1' } }],
  ['an object with empty strings', { ...valid, object: { type: '', id: '', unit: '' } }],
  ['an object with long strings', { ...valid, object: { type: long(129), id: long(257), unit: long(129) } }],
  ['an object with strings just short enough', { ...valid, object: { type: long(128), id: long(256), unit: long(128) } }],
  ['an object with an unknown field', { ...valid, object: { type: 't', id: '1', colour: 'red' } }],
  ['data that is a list', { ...valid, data: [1, 2] }],
  ['data that is text', { ...valid, data: 'x' }],
  ['an unknown field', { ...valid, extra: true }],
  ['several problems at once', { tenant: 'A B', topic: 1, object: { id: 2 }, data: 3, extra: 4 }],
  ['a NUL character in data', { ...valid, data: { a: 'x\u0000y' } }],
  ['a lone surrogate in the topic', { ...valid, topic: 'A\uD800' }],
  ['a prototype-named key outside data', { ...valid, object: { type: 't', id: '1', constructor: 'x' } }],
];

describe('checkPublishEvent agrees with the validation pipe on PublishEventDto', () => {
  for (const [name, body] of bodies) {
    it(name, async () => {
      const mine = checkPublishEvent(body);
      const theirs = await viaPipe(body);
      if (mine.ok) assert.deepEqual({ ok: true, value: JSON.parse(JSON.stringify(mine.value)) }, theirs);
      else assert.deepEqual({ ok: false, problems: [...mine.problems].sort((a, b) => a.field.localeCompare(b.field)) }, theirs.ok ? theirs : { ok: false, problems: [...(theirs.problems as { field: string }[])].sort((a, b) => a.field.localeCompare(b.field)) });
    });
  }
  it('keeps data exactly as parsed (every key its own property)', () => {
    const data = JSON.parse('{"__proto__":{"x":1},"constructor":2}') as Record<string, unknown>;
    const r = checkPublishEvent({ ...valid, data });
    assert.ok(r.ok);
    if (r.ok) assert.equal(r.value.data, data);
  });
});
