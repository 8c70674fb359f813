import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PushSettingsView } from '@hookline/contracts';
import { buildRequest, requestForLog, signRequestFor, withAuthHeaders } from '@hookline/delivery';
import { pushPlan } from './push-plan';

const settings = (over: Partial<PushSettingsView> = {}): PushSettingsView => ({
  tenant: 't',
  notification_server_url: 'https://push.example/notify',
  notification_jwt_set: true,
  notification_days_before: 3,
  createdAt: null,
  updatedAt: null,
  ...over,
});
const facts = { payload: { type: 'appointment.booked' }, deliveryId: 'd-1', eventId: 'e-1', topic: 'Appointments.Booked', attemptAt: new Date('2026-01-01T00:00:00Z'), version: '0.1.0' };

describe('pushPlan', () => {
  it('nothing to send to without a URL', () => {
    assert.equal(pushPlan(undefined), undefined);
    assert.equal(pushPlan(settings({ notification_server_url: null })), undefined);
  });

  it('POSTs JSON as DataNotifier, with the JWT from the signer verbatim in Authorization', () => {
    const plan = pushPlan(settings());
    assert.ok(plan);
    const req = buildRequest(plan, facts);
    assert.equal(req.method, 'POST');
    assert.equal(req.url, 'https://push.example/notify');
    assert.equal(req.headers['User-Agent'], 'DataNotifier');
    assert.equal(req.headers['Content-Type'], 'application/json');
    assert.deepEqual(signRequestFor(plan.auth, 't', req.signing), { tenantId: 't', credentialId: 'push:jwt', scheme: 'token-header', deliveryId: 'd-1', timestamp: 1767225600 });
    const signed = withAuthHeaders(req, { Authorization: 'eyJhbGciOiJIUzI1NiJ9.e30.sig' });
    assert.equal(signed.headers.Authorization, 'eyJhbGciOiJIUzI1NiJ9.e30.sig');
    assert.equal(requestForLog(plan.redaction, signed).headers.Authorization, '[redacted]');
    assert.equal(plan.success.kind, 'push-notification');
  });

  it('no JWT: no signer, no Authorization header', () => {
    const plan = pushPlan(settings({ notification_jwt_set: false }));
    assert.ok(plan);
    const req = buildRequest(plan, facts);
    assert.equal(signRequestFor(plan.auth, 't', req.signing), undefined);
    assert.ok(!Object.keys(req.headers).some((h) => h.toLowerCase() === 'authorization'));
  });

  it('expires after notification_days_before days, retrying until then', () => {
    const plan = pushPlan(settings());
    assert.equal(plan?.retry.expireAfterMs, 3 * 86_400_000);
    assert.equal(plan?.retry.untilExpiry, true);
  });
});
