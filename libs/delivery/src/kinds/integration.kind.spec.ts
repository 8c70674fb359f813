import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { payloadBody, type DispatchOrder, type IntegrationView, type RegistryChange } from '@hookline/contracts';
import { authParts, secretHeadersFor, type DeliveryPlan } from '../delivery-plan';
import type { KindContext, Resolution } from '../kind-profile';
import { requestForLog } from '../redaction';
import { buildRequest, InvalidPayloadError, withPayloadFields, withSignerResult } from '../request-builder';
import { retryPolicy } from '../retry-policy';
import { signRequestFor } from '../signing-request';
import { integrationKind } from './integration.kind';
import { PLATFORM_KINDS } from './platform-kinds';
import type { TargetDirectory } from './target-directory';

const now = '2026-01-01T00:00:00.000Z';
const integration = (over: Partial<IntegrationView> = {}): IntegrationView => ({
  id: 'i1', tenant: 't', name: 'Send to CRM', page: 'client', action: 'background', method: 'GET', url: 'https://crm.example/client/?src=vet', parameterName: 'id=client_',
  enabled: true, verification: false, verificationConfigured: false, headerNames: [], createdAt: now, updatedAt: now, ...over,
});
function directory(i?: IntegrationView): TargetDirectory {
  return {
    receiver: () => undefined,
    account: () => undefined,
    unitPath: (_t, unitId) => [unitId],
    pushSettings: () => undefined,
    pushSettingsTenants: () => [],
    pushType: () => undefined,
    entity: <T>(_t: string, entity: string, id: string) => (entity === 'integration' && i?.id === id ? (i as T) : undefined),
  };
}
const ctx = (i?: IntegrationView): KindContext<TargetDirectory> => ({ view: directory(i), retry: retryPolicy({ schedule: [1000, 2000], maxRetryAfterMs: 5000 }), dayMs: 86_400_000 });
const order: DispatchOrder = { tenantId: 't', target: 'i1', kind: 'integration', deliveryId: 'd-1', attempt: 1, body: '', createdAt: now };
const planOf = (r: Resolution): DeliveryPlan => {
  assert.ok('plan' in r, `expected a plan, got ${JSON.stringify(r)}`);
  return r.plan;
};
const facts = (body: string) => ({ payloadText: body, deliveryId: 'd-1', attemptAt: new Date('2026-01-01T00:00:00Z'), version: '0.1.0' });

describe('integration kind', () => {
  it('is a platform kind, live (a user waits), resent with integrations:write', () => {
    assert.ok(PLATFORM_KINDS.includes(integrationKind));
    assert.equal(integrationKind.live, true);
    assert.deepEqual(integrationKind.resend, { action: 'integrations:write', topicScoped: false });
  });

  it('GET: the payload appended to the query string, no signer, one attempt only', () => {
    const plan = planOf(integrationKind.resolve(ctx(integration()), order));
    const req = buildRequest(plan, facts(payloadBody('id=client_', 'client', ['42'])));
    assert.equal(req.method, 'GET');
    assert.equal(req.url, 'https://crm.example/client/?src=vet&id=client_42');
    assert.equal(req.body, undefined);
    assert.deepEqual(authParts(plan.auth), []);
    assert.deepEqual(plan.retry.schedule, [], 'the configured schedule does not apply: one attempt');
    assert.deepEqual(plan.success, { kind: '2xx' });
  });

  it('POST reminders: form data with the parameter repeated in order', () => {
    const plan = planOf(integrationKind.resolve(ctx(integration({ method: 'POST', page: 'reminders', parameterName: 'reminder' })), order));
    const req = buildRequest(plan, facts(payloadBody('reminder', 'reminders', ['3', '1', '2'])));
    assert.equal(req.method, 'POST');
    assert.equal(req.headers['Content-Type'], 'application/x-www-form-urlencoded');
    assert.equal(req.body?.toString(), 'reminder=3&reminder=1&reminder=2');
  });

  it('static headers and verification: two signer parts, the fields first; the log hides both secrets', () => {
    const plan = planOf(integrationKind.resolve(ctx(integration({ method: 'POST', verification: true, verificationConfigured: true, headerNames: ['Authorization', 'X-Api-Key'] })), order));
    const parts = authParts(plan.auth);
    assert.deepEqual(parts.map((p) => p.kind), ['verification-hash', 'static-headers']);
    assert.deepEqual(parts.map((p) => p.credentialId), ['integration:i1:verification', 'integration:i1:headers']);
    let req = buildRequest(plan, facts(payloadBody('id=client_', 'client', ['42'])));
    assert.deepEqual(signRequestFor(parts[0], 't', req.signing), { tenantId: 't', credentialId: 'integration:i1:verification', scheme: 'verification-hash', deliveryId: 'd-1', timestamp: 1767225600 });
    req = withSignerResult(req, { headers: {}, fields: { timestamp: '1767225600', verification: '0123abcd' } });
    req = withSignerResult(req, { headers: { Authorization: 'Bearer s3cret', 'X-Api-Key': 'k-1' } });
    assert.equal(req.body?.toString(), 'id=client_42&timestamp=1767225600&verification=0123abcd');
    assert.equal(req.signing.body.toString(), req.body?.toString(), 'a later part would sign the final body');
    assert.equal(req.headers['X-Api-Key'], 'k-1');
    const logged = requestForLog(plan.redaction, req);
    assert.equal(logged.headers.Authorization, '[redacted]');
    assert.equal(logged.headers['X-Api-Key'], '[redacted]');
    assert.equal(logged.body, 'id=client_42&timestamp=1767225600&verification=%5Bredacted%5D');
    assert.ok(secretHeadersFor(plan.auth).includes('x-api-key'));
    assert.throws(() => signRequestFor(plan.auth, 't', req.signing), /part by part/);
  });

  it('GET with verification: the fields go to the query string, hidden in the logged URL', () => {
    const plan = planOf(integrationKind.resolve(ctx(integration({ verification: true, verificationConfigured: true })), order));
    assert.equal(plan.auth.kind, 'verification-hash');
    const req = withPayloadFields(buildRequest(plan, facts(payloadBody('id', 'client', ['7']))), { timestamp: '1767225600', verification: 'ff' });
    assert.equal(req.url, 'https://crm.example/client/?src=vet&id=7&timestamp=1767225600&verification=ff');
    assert.equal(requestForLog(plan.redaction, req).url, 'https://crm.example/client/?src=vet&id=7&timestamp=1767225600&verification=%5Bredacted%5D');
  });

  it('payload fields have no place in a JSON body', () => {
    const req = { method: 'POST', url: 'https://x.example/', headers: { 'Content-Type': 'application/json' }, body: Buffer.from('{}'), signing: { deliveryId: 'd', timestampSeconds: 0, body: Buffer.from('{}') } };
    assert.throws(() => withPayloadFields(req, { a: '1' }), InvalidPayloadError);
  });

  it('cancels when the integration is gone, disabled or no longer a background request', () => {
    assert.deepEqual(integrationKind.resolve(ctx(), order), { cancel: 'the custom integration no longer exists' });
    assert.deepEqual(integrationKind.resolve(ctx(integration({ enabled: false })), order), { cancel: 'the custom integration is disabled' });
    assert.match(JSON.stringify(integrationKind.resolve(ctx(integration({ action: 'side_panel' })), order)), /no longer sends background requests/);
  });

  it('a deletion ends its waiting requests', () => {
    const change = (entity: string, action: string) => ({ id: 'c', tenantId: 't', entity, entityId: 'i1', action, actor: { kind: 'operator' }, at: now, before: null, after: null }) as RegistryChange;
    assert.deepEqual(integrationKind.endsTarget?.(change('integration', 'deleted')), { target: 'i1', reason: 'the custom integration was deleted' });
    assert.equal(integrationKind.endsTarget?.(change('integration', 'updated')), undefined);
    assert.equal(integrationKind.endsTarget?.(change('receiver', 'deleted')), undefined);
  });
});
