import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BodyFieldError, writeField } from './signing.service';

describe('writing a body-secret into the JSON body', () => {
  const body = (o: unknown) => Buffer.from(JSON.stringify(o));
  it('fills the field the payload put there, at any depth, keeping the rest as it is', () => {
    assert.equal(writeField(body({ a: 1, client_secret: '[redacted]', z: [1] }), 'client_secret', 's3cr3t').toString(), '{"a":1,"client_secret":"s3cr3t","z":[1]}');
    assert.equal(writeField(body({ subject: 's', fields: { client_secret: null } }), 'fields.client_secret', 'x').toString(), '{"subject":"s","fields":{"client_secret":"x"}}');
  });
  const refused: [string, Buffer, string][] = [
    ['a body that is not JSON', Buffer.from('client_secret='), 'client_secret'],
    ['a field the payload does not have', body({ client_id: 'c' }), 'client_secret'],
    ['a path through a list', body({ fields: [{ client_secret: 1 }] }), 'fields.client_secret'],
    ['a path through a missing object', body({}), 'fields.client_secret'],
  ];
  for (const [name, b, path] of refused) it(`refuses ${name}`, () => assert.throws(() => writeField(b, path, 's'), BodyFieldError));
  it('never walks into a prototype: "__proto__.toString" is refused and Object.prototype stays as it was', () => {
    const before = Object.getOwnPropertyDescriptor(Object.prototype, 'toString');
    try {
      for (const path of ['__proto__.toString', '__proto__.constructor', 'a.__proto__.valueOf']) {
        assert.throws(() => writeField(body({ a: {} }), path, 'the-secret'), BodyFieldError, path);
      }
      assert.equal(typeof Object.prototype.toString, 'function');
      assert.equal(typeof Object.prototype.valueOf, 'function');
      assert.equal(Object.prototype.constructor, Object);
    } finally {
      if (before) Object.defineProperty(Object.prototype, 'toString', before);
    }
  });
  it('fills a field named __proto__ that the JSON body itself has, as data', () => {
    assert.equal(writeField(Buffer.from('{"__proto__":{"client_secret":null}}'), '__proto__.client_secret', 'x').toString(), '{"__proto__":{"client_secret":"x"}}');
  });
});
