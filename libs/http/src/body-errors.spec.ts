import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { bodyParserProblem, INVALID_UTF8, verifyUtf8 } from './body-errors';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from './problems';

/** An error as body-parser passes it on (http-errors): a status, a message, mostly a type. */
function createError(status: number, cause: Error | string, props: { type?: string } = {}): Error {
  const e = typeof cause === 'string' ? new Error(cause) : cause;
  return Object.assign(e, { status, statusCode: status, expose: status < 500 }, props);
}

/** The one field problem of a ValidationError. */
function fieldProblem(e: unknown): { field: string; message: string } {
  assert.ok(e instanceof ValidationError, String(e));
  assert.equal(e.errors.length, 1);
  return e.errors[0];
}

describe('body errors: what a body parser failure means to the caller', () => {
  it('a body that does not decompress is a 400 naming its encoding, not a 500', () => {
    let zlibError: unknown;
    try {
      gunzipSync(Buffer.from('{}'));
    } catch (err) {
      zlibError = err;
    }
    // body-parser wraps zlib's error as it is, with no type.
    const wrapped = createError(400, zlibError as Error);
    assert.deepEqual(fieldProblem(bodyParserProblem(wrapped, '256kb', 'gzip')), { field: 'body', message: 'the body is not valid gzip data' });
    assert.deepEqual(fieldProblem(bodyParserProblem(wrapped, '256kb', ' BR ')), { field: 'body', message: 'the body is not valid br data' });
    const short = createError(400, 'request size did not match content length', { type: 'request.size.invalid' });
    assert.deepEqual(fieldProblem(bodyParserProblem(short, '256kb', undefined)), { field: 'body', message: 'the body could not be read in full' });
  });

  it('the typed ones: too large, malformed, charset or encoding, not UTF-8', () => {
    assert.ok(bodyParserProblem(createError(413, 'x', { type: 'entity.too.large' }), '256kb', undefined) instanceof PayloadTooLargeError);
    assert.match(fieldProblem(bodyParserProblem(createError(400, 'Unexpected end', { type: 'entity.parse.failed' }), '256kb', undefined)).message, /^malformed JSON: Unexpected end$/);
    assert.equal(fieldProblem(bodyParserProblem(createError(415, 'unsupported charset "X"', { type: 'charset.unsupported' }), '256kb', undefined)).message, 'unsupported charset "X"');
    // body-parser turns what verify throws into a 403; it is the body's fault, a 400.
    const notUtf8 = createError(403, Object.assign(new Error('x'), { type: INVALID_UTF8 }), { type: INVALID_UTF8 });
    assert.deepEqual(fieldProblem(bodyParserProblem(notUtf8, '256kb', undefined)), { field: 'body', message: 'the body is not valid UTF-8' });
  });

  it('a domain error passes as it is; anything else is no body problem (a bug, a 500)', () => {
    const e = new UnsupportedMediaTypeError('text/plain');
    assert.equal(bodyParserProblem(e, '256kb', undefined), e);
    assert.equal(bodyParserProblem(new Error('boom'), '256kb', undefined), undefined);
    assert.equal(bodyParserProblem(createError(500, 'stream encoding should not be set', { type: 'stream.encoding.set' }), '256kb', undefined), undefined);
    assert.equal(bodyParserProblem(undefined, '256kb', undefined), undefined);
  });

  it('verifyUtf8 refuses bytes that are not UTF-8 and takes any that are', () => {
    assert.throws(() => verifyUtf8(undefined, undefined, Buffer.from([0x7b, 0xff, 0x7d])), (e: unknown) => (e as { type?: string }).type === INVALID_UTF8);
    assert.throws(() => verifyUtf8(undefined, undefined, Buffer.from([0xed, 0xa0, 0x80])));
    verifyUtf8(undefined, undefined, Buffer.from('{"a":"é😀"}'));
    verifyUtf8(undefined, undefined, Buffer.from('\ufeff{}'));
  });
});
