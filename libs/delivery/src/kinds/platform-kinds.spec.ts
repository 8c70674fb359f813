import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccountView, DispatchOrder, InstallationView, PushSettingsView, PushTypeView, ReceiverView, RegistryChange } from '@hookline/contracts';
import type { DeliveryPlan } from '../delivery-plan';
import type { KindContext, Resolution } from '../kind-profile';
import { requestForLog } from '../redaction';
import { buildRequest, withAuthHeaders, withSignerResult } from '../request-builder';
import { retryPolicy } from '../retry-policy';
import { signRequestFor } from '../signing-request';
import { hookupEmailKind, hookupKind } from './hookup.kind';
import { pushExpiryReason, pushKind } from './push.kind';
import type { TargetDirectory } from './target-directory';
import { webhookKind } from './webhook.kind';

const now = '2026-01-01T00:00:00.000Z';
const receiver = (over: Partial<ReceiverView> = {}): ReceiverView => ({
  id: 'r1', tenant: 't', name: 'CRM', url: 'https://crm.example/hook', topics: ['A.*'], accountId: 'a1', auth: { protocol: 'websub', algorithm: 'sha256' },
  enabled: true, deletedAt: null, createdAt: now, updatedAt: now, ...over,
});
const settings = (over: Partial<PushSettingsView> = {}): PushSettingsView => ({
  tenant: 't', notification_server_url: 'https://push.example/notify', notification_jwt_set: true, notification_days_before: 3, createdAt: null, updatedAt: null, ...over,
});
const pushType: PushTypeView = { tenant: 't', type: 'appointment.booked', topic: 'Appointments.Booked', description: null, example: null, createdAt: now, updatedAt: now };

function directory(opts: { receiver?: ReceiverView; settings?: PushSettingsView; type?: PushTypeView; account?: AccountView } = {}): TargetDirectory {
  return {
    receiver: (_t, id) => (opts.receiver?.id === id ? opts.receiver : undefined),
    account: (_t, id) => (opts.account?.id === id ? opts.account : undefined),
    unitPath: (_t, unitId) => (unitId === 'oslo' ? ['north', 'oslo'] : [unitId]),
    pushSettings: () => opts.settings,
    pushSettingsTenants: () => (opts.settings ? ['t'] : []),
    pushType: (_t, type) => (opts.type?.type === type ? opts.type : undefined),
    entity: () => undefined,
  };
}
const retry = retryPolicy({ schedule: [1000, 2000], maxRetryAfterMs: 5000 });
const ctx = (view: TargetDirectory): KindContext<TargetDirectory> => ({ view, retry, dayMs: 86_400_000 });
const order = (target: string, kind = 'webhook', over: Partial<DispatchOrder> = {}): DispatchOrder => ({
  tenantId: 't', target, kind, deliveryId: 'd-1', attempt: 1, body: '{}', createdAt: now, ...over,
});
const planOf = (r: Resolution): DeliveryPlan => {
  assert.ok('plan' in r, `expected a plan, got ${JSON.stringify(r)}`);
  return r.plan;
};
const facts = { payload: { type: 'appointment.booked' }, deliveryId: 'd-1', source: { eventId: 'e-1', topic: 'Appointments.Booked' }, attemptAt: new Date('2026-01-01T00:00:00Z'), version: '0.1.0' };
const change = (entity: string, action: string, entityId: string): RegistryChange =>
  ({ id: 'c', tenantId: 't', entity, entityId, action, actor: { kind: 'operator' }, at: now, before: null, after: null }) as RegistryChange;

describe('webhook kind', () => {
  it('resolves a receiver to its URL, its signature and the configured retries', () => {
    const plan = planOf(webhookKind.resolve(ctx(directory({ receiver: receiver() })), order('r1')));
    assert.equal(plan.url, 'https://crm.example/hook');
    assert.deepEqual(plan.auth, { kind: 'websub', credentialId: 'receiver:r1', algorithm: 'sha256' });
    assert.deepEqual(plan.retry, retry);
    assert.deepEqual(plan.request, { kind: 'json' });
  });
  it('cancels for a receiver that is gone, deleted or disabled, saying which', () => {
    assert.deepEqual(webhookKind.resolve(ctx(directory()), order('r1')), { cancel: 'the receiver no longer exists' });
    assert.deepEqual(webhookKind.resolve(ctx(directory({ receiver: receiver({ deletedAt: now }) })), order('r1')), { cancel: 'the receiver was deleted' });
    assert.deepEqual(webhookKind.resolve(ctx(directory({ receiver: receiver({ enabled: false }) })), order('r1')), { cancel: 'the receiver is disabled' });
  });
  it('a retry, a resend or a parked order goes out only if the receiving account may receive it now; a first attempt is fan-out’s to decide', () => {
    const account = (over: Partial<AccountView> = {}): AccountView => ({
      id: 'a1', tenant: 't', name: 'crm', description: null, enabled: true, credentialsIssuedAt: now, lastLoginAt: null, createdAt: now, updatedAt: now,
      grants: [{ actions: ['webhooks:receive'], units: ['north'], topics: ['A.*'] }], ...over,
    });
    const body = (unit?: string) => JSON.stringify({ id: 'e-1', topic: 'A.b', tenant: 't', occurredAt: now, object: { type: 'x', id: '1', ...(unit ? { unit } : {}) }, data: {} });
    const webhook = (over: Partial<DispatchOrder>) => order('r1', 'webhook', { source: { eventId: 'e-1', topic: 'A.b' }, body: body('oslo'), ...over });
    const resolve = (a: AccountView | undefined, o: DispatchOrder) => webhookKind.resolve(ctx(directory({ receiver: receiver(), ...(a ? { account: a } : {}) })), o);
    const later = [webhook({ attempt: 2 }), webhook({ attempt: 2, manual: true }), webhook({ manual: true }), webhook({ parked: 1 })];
    for (const o of later) {
      assert.ok('plan' in resolve(account(), o), JSON.stringify(o));
      assert.deepEqual(resolve(account({ enabled: false }), o), { cancel: 'the receiving account crm (a1) is disabled' });
      assert.deepEqual(resolve(undefined, o), { cancel: 'the receiving account a1 does not exist' });
      assert.deepEqual(resolve(account({ grants: [{ actions: ['webhooks:receive'], units: ['south'], topics: ['A.*'] }] }), o), {
        cancel: 'unit oslo is outside the units account crm (a1) may receive webhooks for',
      });
      assert.deepEqual(resolve(account({ grants: [{ actions: ['webhooks:receive'], units: '*', topics: ['B.*'] }] }), o), { cancel: 'account crm (a1) has no webhooks:receive grant for topic A.b' });
    }
    // The unit comes from the body; a body naming none is an object outside any unit.
    assert.deepEqual(resolve(account(), webhook({ attempt: 3, body: body() })), { cancel: 'an object outside any unit is outside the units account crm (a1) may receive webhooks for' });
    assert.ok('plan' in resolve(account({ grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] }), webhook({ attempt: 3, body: body() })));
    // The receiver's receiveBound is part of the rule too.
    const bounded = webhookKind.resolve(ctx(directory({ receiver: receiver({ receiveBound: [{ units: ['south'], topics: ['A.b'] }] }), account: account() })), webhook({ attempt: 2 }));
    assert.match(JSON.stringify(bounded), /topic A.b in unit oslo is beyond the receiver's receiveBound/);
    // A webhook order without its topic cannot be checked: it does not go out.
    assert.ok('cancel' in resolve(account(), { ...webhook({ attempt: 2 }), source: undefined }));
    // A first attempt straight from fan-out: decided there a moment ago; its body is not read here.
    assert.ok('plan' in resolve(account({ enabled: false }), webhook({ body: 'not JSON, never parsed' })));
  });
  it('a receiver deletion ends its waiting retries; other changes do not', () => {
    assert.deepEqual(webhookKind.endsTarget?.(change('receiver', 'deleted', 'r1')), { target: 'r1', reason: 'the receiver was deleted' });
    assert.equal(webhookKind.endsTarget?.(change('receiver', 'updated', 'r1')), undefined);
    assert.equal(webhookKind.endsTarget?.(change('push-type', 'deleted', 'r1')), undefined);
  });
});

describe('push kind', () => {
  const full = directory({ settings: settings(), type: pushType });
  it('POSTs JSON as DataNotifier, with the JWT from the signer verbatim in Authorization', () => {
    const plan = planOf(pushKind.resolve(ctx(full), order('appointment.booked', 'push')));
    const req = buildRequest(plan, facts);
    assert.equal(req.method, 'POST');
    assert.equal(req.url, 'https://push.example/notify');
    assert.equal(req.headers['User-Agent'], 'DataNotifier');
    assert.deepEqual(signRequestFor(plan.auth, 't', req.signing), { tenantId: 't', credentialId: 'push:jwt', scheme: 'token-header', deliveryId: 'd-1', timestamp: 1767225600 });
    const signed = withAuthHeaders(req, { Authorization: 'eyJhbGciOiJIUzI1NiJ9.e30.sig' });
    assert.equal(requestForLog(plan.redaction, signed).headers.Authorization, '[redacted]');
    assert.equal(plan.success.kind, 'push-notification');
  });
  it('no JWT: no signer, no Authorization header', () => {
    const plan = planOf(pushKind.resolve(ctx(directory({ settings: settings({ notification_jwt_set: false }), type: pushType })), order('appointment.booked', 'push')));
    const req = buildRequest(plan, facts);
    assert.equal(signRequestFor(plan.auth, 't', req.signing), undefined);
    assert.ok(!Object.keys(req.headers).some((h) => h.toLowerCase() === 'authorization'));
  });
  it('retries on the configured schedule until notification_days_before days have passed', () => {
    const plan = planOf(pushKind.resolve(ctx(full), order('appointment.booked', 'push')));
    assert.deepEqual(plan.retry.schedule, retry.schedule);
    assert.equal(plan.retry.expireAfterMs, 3 * 86_400_000);
    assert.equal(plan.retry.untilExpiry, true);
  });
  it('cancels when the type was removed or no server URL is set', () => {
    assert.deepEqual(pushKind.resolve(ctx(directory({ settings: settings() })), order('appointment.booked', 'push')), { cancel: 'the push notification type appointment.booked was removed' });
    assert.deepEqual(pushKind.resolve(ctx(directory({ settings: settings({ notification_server_url: null }), type: pushType })), order('appointment.booked', 'push')), {
      cancel: 'notification_server_url is no longer set',
    });
  });
  it('expiry follows each tenant setting as it is now, with the default for the others', () => {
    const e = pushKind.expiry;
    assert.ok(e);
    assert.equal(e.afterMs(ctx(full), 't'), 3 * 86_400_000);
    assert.deepEqual(e.tenants(ctx(full)), ['t']);
    assert.equal(e.defaultAfterMs(ctx(full)), 7 * 86_400_000);
    assert.equal(e.afterMs(ctx(directory()), 't'), 7 * 86_400_000);
    assert.equal(e.reason(ctx(full), 't'), pushExpiryReason(3));
    assert.equal(pushExpiryReason(1), 'undelivered 1 day after it was created (notification_days_before=1); deleted');
    assert.deepEqual(e.auditDetail?.(ctx(full), 't'), { notification_days_before: 3 });
    assert.equal(e.changedBy(change('push-settings', 'updated', 'global')), true);
    assert.equal(e.changedBy(change('push-type', 'updated', 'x')), false);
  });
  it('a removed type ends its waiting notifications', () => {
    assert.deepEqual(pushKind.endsTarget?.(change('push-type', 'deleted', 'appointment.booked')), { target: 'appointment.booked', reason: 'the push notification type appointment.booked was removed' });
  });
});

describe('hookup kinds', () => {
  const installation = (over: Partial<InstallationView> = {}): InstallationView => ({
    id: 'i1', tenant: 't', provetId: 7, templateId: 'tp', templateVersion: 1, templateName: 'Sync', templateOwner: 'platform:catalogue', clientId: 'i1',
    oauth: { grantType: 'client_credentials', clientType: 'confidential', redirectUris: [], algorithm: null, scopes: [] },
    channel: { kind: 'hookup-url', url: 'https://provider.example/hookup' }, departments: [], status: 'active', secretVersion: 1, uninstalledAt: null, createdAt: now, updatedAt: now, ...over,
  });
  const withEntity = (i: InstallationView | undefined): TargetDirectory => ({ ...directory(), entity: <T>(_t: string, entity: string, id: string) => (entity === 'installation' && i?.id === id ? (i as T) : undefined) });
  const hookupFacts = { payloadText: '{"client_id":"i1","client_secret":"[redacted]"}', deliveryId: 'd-1', attemptAt: new Date('2026-01-01T00:00:00Z'), version: '0.1.0' };

  it('a confidential client: the signer writes the client secret into the body, then signs it with the template\'s Standard Webhooks secret', () => {
    const plan = planOf(hookupKind.resolve(ctx(withEntity(installation())), order('i1', 'hookup')));
    assert.equal(plan.url, 'https://provider.example/hookup');
    assert.deepEqual(plan.auth, {
      kind: 'body-secret',
      credentialId: 'installation:i1:client-secret',
      field: 'client_secret',
      then: { kind: 'standard-webhooks', credentialId: 'template:tp', credentialTenantId: 'platform:catalogue' },
    });
    assert.deepEqual(plan.retry, retry, 'retried on the webhook schedule');
    const req = buildRequest(plan, hookupFacts);
    assert.deepEqual(signRequestFor(plan.auth, 't', req.signing), {
      tenantId: 't',
      credentialId: 'installation:i1:client-secret',
      scheme: 'body-secret',
      deliveryId: 'd-1',
      timestamp: 1767225600,
      body: Buffer.from(hookupFacts.payloadText).toString('base64'),
      field: 'client_secret',
      then: { scheme: 'standard-webhooks', credentialId: 'template:tp', tenantId: 'platform:catalogue' },
    });
    // The signer's body replaces the stored one; the log shows the secret redacted.
    const sent = withSignerResult(req, { headers: { 'webhook-signature': 'v1,x' }, body: Buffer.from('{"client_id":"i1","client_secret":"s3cr3t-s3cr3t-s3cr3t"}').toString('base64') });
    assert.equal(sent.body?.toString(), '{"client_id":"i1","client_secret":"s3cr3t-s3cr3t-s3cr3t"}');
    const logged = requestForLog(plan.redaction, sent);
    assert.equal(JSON.parse(logged.body).client_secret, '[redacted]');
    assert.equal(logged.headers['webhook-signature'], '[redacted]');
  });
  it('a public client has no secret: the message is only signed, by the template\'s owner', () => {
    const plan = planOf(hookupKind.resolve(ctx(withEntity(installation({ oauth: { grantType: 'authorization_code', clientType: 'public', redirectUris: ['https://a.example/cb'], algorithm: 'RS256', scopes: ['openid'] }, templateOwner: 'acme' }))), order('i1', 'hookup')));
    assert.deepEqual(plan.auth, { kind: 'standard-webhooks', credentialId: 'template:tp', credentialTenantId: 'acme' });
    assert.equal(signRequestFor(plan.auth, 't', buildRequest(plan, hookupFacts).signing)?.tenantId, 'acme');
  });
  it('the e-mail kind goes over SMTP to the address, the secret written into fields.client_secret', () => {
    const plan = planOf(hookupEmailKind.resolve(ctx(withEntity(installation({ channel: { kind: 'email', address: 'ops@provider.example' } }))), order('i1', 'hookup-email')));
    assert.equal(plan.transport, 'smtp');
    assert.equal(plan.url, 'mailto:ops@provider.example');
    assert.deepEqual(plan.auth, { kind: 'body-secret', credentialId: 'installation:i1:client-secret', field: 'fields.client_secret' });
    assert.deepEqual(plan.success, { kind: 'smtp-accepted' });
    assert.equal(buildRequest(plan, hookupFacts).method, 'SMTP');
  });
  it('an uninstalled or missing installation cancels; a channel that changed kind cancels the other kind', () => {
    assert.deepEqual(hookupKind.resolve(ctx(withEntity(installation({ status: 'uninstalled' }))), order('i1', 'hookup')), { cancel: 'the app was uninstalled' });
    assert.deepEqual(hookupKind.resolve(ctx(withEntity(undefined)), order('i1', 'hookup')), { cancel: 'the installation no longer exists' });
    assert.ok('cancel' in hookupEmailKind.resolve(ctx(withEntity(installation())), order('i1', 'hookup-email')));
    assert.deepEqual(hookupKind.endsTarget?.(change('installation', 'deleted', 'i1')), { target: 'i1', reason: 'the app was uninstalled' });
    assert.equal(hookupKind.endsTarget?.(change('installation', 'updated', 'i1')), undefined);
    assert.deepEqual(hookupKind.resend, { action: 'installations:write', topicScoped: false });
  });
});
