import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as protobuf from 'protobufjs';
import { jsonToMessage, jsonToValue, messageToJson, updateToJson, valueToJson } from './messages';

// The well-known types, as protobufjs ships them (parse does not follow imports, so the text names none).
const root = new protobuf.Root();
for (const file of ['google/protobuf/struct.proto', 'google/protobuf/field_mask.proto']) root.addJSON(protobuf.common.get(file)?.nested ?? {});
protobuf.parse(
  `syntax = "proto3";
   package t;
   message Inner { string kind = 1; optional string unit = 2; }
   message M {
     string id = 1;
     optional string parent_id = 2;
     optional string notification_server_url = 3 [json_name = "notification_server_url"];
     google.protobuf.Value units = 4;
     google.protobuf.Struct example = 5;
     repeated Inner items = 6;
     map<string, string> headers = 7;
     int64 provet_id = 8;
     google.protobuf.FieldMask update_mask = 15;
   }`,
  root,
  { keepCase: true },
);
root.resolveAll();
const M = root.lookupType('t.M');

describe('google.protobuf.Value and plain JSON', () => {
  const cases: [string, unknown][] = [
    ['a string ("*")', '*'],
    ['a list of ids', ['north', 'south']],
    ['a number', 12.5],
    ['a boolean', false],
    ['null', null],
    ['nested objects and lists', { a: [1, { b: 'c' }], d: null }],
  ];
  for (const [name, json] of cases) it(`round-trips ${name}`, () => assert.deepEqual(valueToJson(jsonToValue(json)), json));
  it('reads what proto-loader decodes (with the oneof name)', () => {
    assert.equal(valueToJson({ stringValue: '*', kind: 'stringValue' }), '*');
    assert.deepEqual(valueToJson({ listValue: { values: [{ stringValue: 'a', kind: 'stringValue' }] }, kind: 'listValue' }), ['a']);
    assert.equal(valueToJson({ nullValue: 'NULL_VALUE', kind: 'nullValue' }), null);
  });
});

describe('messages and the REST JSON', () => {
  const decoded = {
    id: 'x',
    parent_id: 'north',
    notification_server_url: 'https://push.example',
    units: { listValue: { values: [{ stringValue: 'north' }] } },
    example: { fields: { amount: { numberValue: 3 } } },
    items: [{ kind: 'unit', unit: 'north' }],
    headers: { 'X-Key': 'v' },
    provet_id: 7,
  };
  const json = { id: 'x', parentId: 'north', notification_server_url: 'https://push.example', units: ['north'], example: { amount: 3 }, items: [{ kind: 'unit', unit: 'north' }], headers: { 'X-Key': 'v' }, provetId: 7 };

  it('field names become JSON names (json_name wins), Value and Struct plain JSON', () => assert.deepEqual(messageToJson(M, decoded), json));
  it('and back: the answer as the message to serialise', () => assert.deepEqual(jsonToMessage(M, json), { ...decoded, units: { listValue: { values: [{ stringValue: 'north' }] } }, example: { fields: { amount: { numberValue: 3 } } } }));
  it('unset and null fields are left out both ways; empty repeated fields are unset', () => {
    assert.deepEqual(messageToJson(M, { id: 'x', items: [] }), { id: 'x' });
    assert.deepEqual(jsonToMessage(M, { id: 'x', parentId: null, colour: 'red' }), { id: 'x' });
  });
  it('what serialises is what protobufjs accepts', () => {
    const bytes = M.encode(M.fromObject(jsonToMessage(M, json))).finish();
    assert.deepEqual(messageToJson(M, M.toObject(M.decode(bytes), { longs: Number, oneofs: true })), json);
  });
});

describe('update requests', () => {
  it('without a mask: every field that is set', () => assert.deepEqual(updateToJson(M, { id: 'x', parent_id: 'n' }), { json: { id: 'x', parentId: 'n' } }));
  it('a masked field left unset is null (cleared), and the mask is in JSON names', () =>
    assert.deepEqual(updateToJson(M, { id: 'x', update_mask: { paths: ['parent_id', 'notification_server_url'] } }), {
      json: { id: 'x', parentId: null, notification_server_url: null },
      mask: ['parentId', 'notification_server_url'],
    }));
  it('a mask path that is no field is handed on, for validation to name', () => assert.deepEqual(updateToJson(M, { id: 'x', update_mask: { paths: ['colour'] } }).mask, ['colour']));
});

describe('keys named like Object’s machinery are data, never the prototype', () => {
  it('a Struct key __proto__ stays an own key (REST keeps it as data)', () => {
    // The Struct as protobufjs decodes it: every map key an own property.
    const fields: Record<string, unknown> = {};
    Object.defineProperty(fields, '__proto__', { value: { structValue: { fields: { a: { numberValue: 1 } } } }, enumerable: true });
    Object.defineProperty(fields, 'constructor', { value: { stringValue: 'c' }, enumerable: true });
    const json = messageToJson(M, { id: 'x', example: { fields } }).example as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), ['__proto__', 'constructor']);
    assert.equal(Object.getPrototypeOf(json), Object.prototype);
    assert.equal(JSON.stringify(json), '{"__proto__":{"a":1},"constructor":"c"}');
  });

  it('an update_mask path __proto__, constructor or toString is named as given (it was a TypeError, an INTERNAL)', () => {
    for (const path of ['__proto__', 'constructor', 'toString']) {
      const { json, mask } = updateToJson(M, { id: 'x', update_mask: { paths: [path] } });
      assert.deepEqual(mask, [path]);
      assert.ok(Object.hasOwn(json, path), path);
      assert.equal(json[path], null);
      assert.equal(Object.getPrototypeOf(json), Object.prototype);
    }
  });
});
