import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  foregroundRequest,
  integrationErrorForAttempt,
  integrationErrorForTrigger,
  integrationSettingsProblems,
  jobStatusOf,
  parseParameterName,
  payloadBody,
  payloadFields,
  previewPayload,
  type DeliveryOutcome,
  type IntegrationView,
} from './integrations';
import { redactSecrets } from './registry';

describe('the parameter name (the seed\'s prefix syntax)', () => {
  const table: [string, { name: string; prefix: string } | RegExp][] = [
    ['id', { name: 'id', prefix: '' }],
    ['id=client_', { name: 'id', prefix: 'client_' }],
    ['patient_id', { name: 'patient_id', prefix: '' }],
    ['ids[]', { name: 'ids[]', prefix: '' }],
    ['id=a=b', { name: 'id', prefix: 'a=b' }],
    ['id=', { name: 'id', prefix: '' }],
    ['', /name before "="/],
    ['=client_', /name before "="/],
    ['my id', /name before "="/],
    ['id=\u0007', /control characters/],
    ['x'.repeat(101), /name before "="/],
  ];
  for (const [raw, want] of table) {
    it(`${JSON.stringify(raw)}`, () => {
      const r = parseParameterName(raw);
      if (want instanceof RegExp) {
        assert.equal(r.ok, false);
        if (!r.ok) assert.match(r.problem, want);
      } else assert.deepEqual(r, { ok: true, spec: want });
    });
  }
});

describe('payloads', () => {
  it('one object id: name=prefix+id', () => {
    assert.deepEqual(payloadFields('id', ['1']), [['id', '1']]);
    assert.deepEqual(payloadFields('id=client_', ['1']), [['id', 'client_1']]);
    assert.equal(payloadBody('id=client_', 'client', ['1']), '{"id":"client_1"}');
  });
  it('reminders: the parameter repeated, in order (a list in the stored body)', () => {
    assert.deepEqual(payloadFields('reminder_id=r', ['3', '1', '2']), [['reminder_id', 'r3'], ['reminder_id', 'r1'], ['reminder_id', 'r2']]);
    assert.equal(payloadBody('reminder_id', 'reminders', ['3', '1']), '{"reminder_id":["3","1"]}');
    assert.equal(payloadBody('reminder_id', 'reminders', ['3']), '{"reminder_id":["3"]}');
  });
  it('foreground GET: the URL with the query string appended to any it had, verification last', () => {
    const r = foregroundRequest({ method: 'GET', url: 'https://x.example/c/?tenant=1', parameterName: 'id=client_' }, ['7'], { timestamp: '1700000000', verification: 'abc' });
    assert.deepEqual(r, { method: 'GET', url: 'https://x.example/c/?tenant=1&id=client_7&timestamp=1700000000&verification=abc' });
  });
  it('foreground POST: the form fields in order', () => {
    const r = foregroundRequest({ method: 'POST', url: 'https://x.example/c/', parameterName: 'rid' }, ['a', 'b']);
    assert.deepEqual(r, { method: 'POST', url: 'https://x.example/c/', fields: [['rid', 'a'], ['rid', 'b']] });
  });
  it('preview: keys and values, the verification as placeholders, header names only for background requests', () => {
    const base = { method: 'GET' as const, url: 'https://x.example/', parameterName: 'id=p_', verification: true, headerNames: ['Authorization'], action: 'background' as const };
    const p = previewPayload(base, ['5']);
    assert.deepEqual(p.fields.map((f) => f.key), ['id', 'timestamp', 'verification']);
    assert.equal(p.fields[0].value, 'p_5');
    assert.match(p.fields[2].value, /^<md5/);
    assert.equal(p.sentAs, 'query string');
    assert.match(p.exampleUrl ?? '', /^https:\/\/x\.example\/\?id=p_5&timestamp=/);
    assert.deepEqual(p.headers, ['Authorization']);
    const post = previewPayload({ ...base, method: 'POST', verification: false, action: 'side_panel' }, ['5']);
    assert.deepEqual(post.fields, [{ key: 'id', value: 'p_5' }]);
    assert.equal(post.sentAs, 'form data');
    assert.equal(post.exampleUrl, undefined);
    assert.deepEqual(post.headers, []);
  });
});

describe('settings that do not go together', () => {
  const ok = { page: 'client' as const, action: 'background' as const, parameterName: 'id', verification: true, headerNames: ['X-Key'] };
  it('accepts a background request with headers and verification', () => assert.deepEqual(integrationSettingsProblems(ok), []));
  it('refuses static headers on foreground actions', () => {
    for (const action of ['new_window', 'side_panel'] as const) assert.deepEqual(integrationSettingsProblems({ ...ok, action }).map((p) => p.field), ['headers']);
  });
  it('refuses a parameter named like a verification field when verification is on', () => {
    assert.deepEqual(integrationSettingsProblems({ ...ok, parameterName: 'timestamp=x' }).map((p) => p.field), ['parameterName']);
    assert.deepEqual(integrationSettingsProblems({ ...ok, parameterName: 'verification', verification: false }), []);
  });
});

describe('the seed\'s errors', () => {
  const attempts: [string | null, string][] = [
    ['http-status', 'Integration error'],
    ['redirect', 'Integration error'],
    ['contract', 'Integration error'],
    ['timeout', 'Backend error'],
    ['connect-refused', 'Backend error'],
    ['dns', 'Backend error'],
    ['tls', 'Backend error'],
    ['ssrf-blocked', 'Backend error'],
    ['network', 'Backend error'],
    ['signing', 'Backend error'],
    ['internal', 'Backend error'],
    [null, 'Backend error'],
  ];
  for (const [cls, err] of attempts) it(`attempt ${cls} -> ${err}`, () => assert.equal(integrationErrorForAttempt(cls), err));
  const triggers: [number | 'network', string][] = [
    ['network', 'Connection error'],
    [502, 'Connection error'],
    [503, 'Connection error'],
    [401, 'Connection error'],
    [403, 'Connection error'],
    [429, 'Connection error'],
    [400, 'Data error'],
    [404, 'Data error'],
    [413, 'Data error'],
    [415, 'Data error'],
  ];
  for (const [status, err] of triggers) it(`trigger answered ${status} -> ${err}`, () => assert.equal(integrationErrorForTrigger(status), err));
});

describe('job states from the delivery log', () => {
  const row = (over: Partial<DeliveryOutcome>): DeliveryOutcome => ({ status: 'pending', attempts: 0, lastStatusCode: null, lastErrorClass: null, statusReason: null, ...over });
  const table: [string, DeliveryOutcome, object][] = [
    ['created, not attempted', row({}), { state: 'scheduled' }],
    ['attempted, outcome not settled', row({ attempts: 1, lastStatusCode: 500, lastErrorClass: 'http-status' }), { state: 'sending' }],
    ['succeeded', row({ status: 'succeeded', attempts: 1, lastStatusCode: 204 }), { state: 'succeeded', statusCode: 204 }],
    [
      'failed with a status',
      row({ status: 'failed', attempts: 1, lastStatusCode: 500, lastErrorClass: 'http-status', statusReason: 'HTTP 500' }),
      { state: 'failed', error: 'Integration error', statusCode: 500, reason: 'HTTP 500' },
    ],
    ['failed unreachable', row({ status: 'failed', attempts: 1, lastErrorClass: 'connect-refused' }), { state: 'failed', error: 'Backend error' }],
    ['cancelled', row({ status: 'cancelled', statusReason: 'the integration is disabled' }), { state: 'failed', error: 'Backend error', reason: 'the integration is disabled' }],
  ];
  for (const [name, d, want] of table) it(name, () => assert.deepEqual(jobStatusOf(d), want));
});

describe('the view in change events', () => {
  it('passes the outbox redaction unchanged (no key looks like a secret)', () => {
    const view: IntegrationView = {
      id: 'i', tenant: 't', name: 'n', page: 'client', action: 'background', method: 'GET', url: 'https://x.example/', parameterName: 'id',
      enabled: true, verification: true, verificationConfigured: true, headerNames: ['Authorization'], createdAt: 'c', updatedAt: 'u',
    };
    assert.deepEqual(redactSecrets(view), view);
  });
});
