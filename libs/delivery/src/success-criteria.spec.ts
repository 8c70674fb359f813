import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateResponse, type ResponseLike, type Verdict } from './success-criteria';

const res = (status: number, body = '', headers: Record<string, string> = {}, bodyTruncated = false): ResponseLike => ({ status, body, headers, bodyTruncated });

describe('evaluateResponse: any 2xx', () => {
  const table: [string, ResponseLike, Verdict][] = [
    ['200', res(200), { ok: true }],
    ['204', res(204), { ok: true }],
    ['299', res(299), { ok: true }],
    ['199 is not success', res(199), { ok: false, errorClass: 'http-status', reason: 'HTTP 199', status: 199 }],
    ['301 is a redirect, not followed', res(301, '', { location: 'http://127.0.0.1/' }), { ok: false, errorClass: 'redirect', reason: 'HTTP 301 redirect to http://127.0.0.1/ not followed', status: 301 }],
    ['304 too', res(304), { ok: false, errorClass: 'redirect', reason: 'HTTP 304 redirect not followed', status: 304 }],
    ['404', res(404, 'nope'), { ok: false, errorClass: 'http-status', reason: 'HTTP 404', status: 404 }],
    ['500', res(500), { ok: false, errorClass: 'http-status', reason: 'HTTP 500', status: 500 }],
  ];
  for (const [name, r, v] of table) it(name, () => assert.deepEqual(evaluateResponse({ kind: '2xx' }, r), v));
});

describe('evaluateResponse: the push-notification contract', () => {
  const ok = (body: string) => evaluateResponse({ kind: 'push-notification' }, res(200, body));
  const table: [string, string, true | RegExp][] = [
    ['the documented answer', '{ "Success": true, "Code": "0", "Message": "OK" }', true],
    ['Code as a number', '{"Success":true,"Code":0,"Message":""}', true],
    ['extra fields are fine', '{"Success":true,"Code":0,"Message":"","Extra":1}', true],
    ['Success false quotes Code and Message', '{"Success":false,"Code":17,"Message":"unknown visit"}', /Success=false Code=17 Message="unknown visit"/],
    ['Success true with a non-zero Code', '{"Success":true,"Code":"3","Message":"partial"}', /Code=3 Message="partial"/],
    ['Success as a string', '{"Success":"true","Code":0,"Message":"OK"}', /Success="true"/],
    ['missing Message', '{"Success":true,"Code":0}', /Message must be a string/],
    ['Message not a string', '{"Success":true,"Code":0,"Message":5}', /Message must be a string/],
    ['missing Code', '{"Success":true,"Message":"OK"}', /Code=undefined/],
    ['Code "00" is not 0', '{"Success":true,"Code":"00","Message":"OK"}', /Code=00/],
    ['not JSON', 'OK', /not JSON: "OK"/],
    ['empty body', '', /not JSON/],
    ['a JSON array', '[]', /not a JSON object/],
  ];
  for (const [name, body, expected] of table) {
    it(name, () => {
      const v = ok(body);
      if (expected === true) assert.deepEqual(v, { ok: true });
      else {
        assert.equal(v.ok, false);
        assert.equal((v as { errorClass: string }).errorClass, 'contract');
        assert.match((v as { reason: string }).reason, expected);
      }
    });
  }
  it('a non-2xx is an HTTP failure before the body is looked at', () => {
    assert.deepEqual(evaluateResponse({ kind: 'push-notification' }, res(503, '{"Success":true,"Code":0,"Message":""}')), { ok: false, errorClass: 'http-status', reason: 'HTTP 503', status: 503 });
  });
  it('a truncated body cannot be judged', () => {
    const v = evaluateResponse({ kind: 'push-notification' }, res(200, '{"Success":true', {}, true));
    assert.equal(v.ok, false);
  });
});

describe("evaluateResponse: a kind's own criterion", () => {
  const accepted = { kind: 'custom' as const, name: 'body says accepted', judge: (r: ResponseLike): Verdict => (r.body === 'accepted' ? { ok: true } : { ok: false, errorClass: 'contract', reason: 'not accepted' }) };
  it('judges a 2xx answer', () => {
    assert.deepEqual(evaluateResponse(accepted, res(200, 'accepted')), { ok: true });
    assert.deepEqual(evaluateResponse(accepted, res(200, 'nope')), { ok: false, errorClass: 'contract', reason: 'not accepted' });
  });
  it('never turns a failed status into a success', () => {
    assert.equal(evaluateResponse(accepted, res(500, 'accepted')).ok, false);
    assert.equal(evaluateResponse(accepted, res(302, 'accepted')).ok, false);
  });
});

describe('evaluateResponse: an SMTP server accepted the message', () => {
  const smtp = { kind: 'smtp-accepted' } as const;
  const cases: [number, string, boolean, string | undefined][] = [
    [250, '250 2.0.0 Ok: queued', true, undefined],
    [451, '451 4.3.0 try again later', false, 'SMTP 451: 451 4.3.0 try again later'],
    [550, '550 5.1.1 no such user', false, 'SMTP 550: 550 5.1.1 no such user'],
  ];
  for (const [status, body, ok, reason] of cases) {
    it(`${status}: ${ok ? 'delivered' : 'failed'}`, () => {
      const v = evaluateResponse(smtp, { status, headers: {}, body });
      assert.equal(v.ok, ok);
      if (!v.ok) assert.equal(v.reason, reason);
    });
  }
});
