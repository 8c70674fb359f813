import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jsonForPostgres, storableText } from './storable-text';

describe('jsonForPostgres', () => {
  it('leaves ordinary text, pairs of surrogates and escaped backslashes as they are', () => {
    const value = { error: 'receiver reported Code=E1 Message=no', body: 'emoji 😀 and a path C:\\u0000x' };
    assert.equal(jsonForPostgres(value), JSON.stringify(value));
  });
  it('replaces NUL and lone surrogates, in values nested anywhere', () => {
    const value = { error: 'Code=E\u0000', headers: { 'x-a': 'a\ud800b' }, list: ['\udc00', 'ok'] };
    assert.deepEqual(JSON.parse(jsonForPostgres(value)), { error: 'Code=E\ufffd', headers: { 'x-a': 'a\ufffdb' }, list: ['\ufffd', 'ok'] });
  });
  it('storableText keeps a well-formed pair and replaces each lone half', () => {
    assert.equal(storableText('😀'), '😀');
    assert.equal(storableText('\ud83d\ud83d\ude00'), '\ufffd😀');
    assert.equal(storableText('\u0000\u0000'), '\ufffd\ufffd');
  });
});
