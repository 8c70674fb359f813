import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccountView, Grant, ReceiverView } from '@hookline/contracts';
import { receiveRefusal, type ReceivingAccounts } from './receiving-account';
import { decidedByFanOut, webhookObjectUnit } from './webhook.kind';

const now = '2026-01-01T00:00:00.000Z';
const receive = (units: Grant['units'], topics: Grant['topics'] = '*'): Grant => ({ actions: ['webhooks:receive'], units, topics });
const account = (over: Partial<AccountView> = {}): AccountView => ({
  id: 'a1', tenant: 't', name: 'crm', description: null, enabled: true, credentialsIssuedAt: now, lastLoginAt: null, createdAt: now, updatedAt: now,
  grants: [receive(['north'], ['Orders.*'])], ...over,
});
const receiver = (over: Partial<ReceiverView> = {}): ReceiverView => ({
  id: 'r1', tenant: 't', name: 'hook', url: 'https://r.example/in', topics: ['Orders.*'], accountId: 'a1', auth: { protocol: 'none' }, enabled: true, deletedAt: null, createdAt: now, updatedAt: now, ...over,
});
/** Units north > oslo, and south; accounts as given. */
const view = (...accounts: AccountView[]): ReceivingAccounts => ({
  account: (_t, id) => accounts.find((a) => a.id === id),
  unitPath: (_t, unit) => ({ oslo: ['north', 'oslo'], north: ['north'], south: ['south'] })[unit] ?? [unit],
});

describe('receiveRefusal', () => {
  it('allows what the account may receive now and the bound covers, and otherwise says why, as the log shows it', () => {
    const table: [what: string, v: ReceivingAccounts, r: ReceiverView, topic: string, unit: string | undefined, want: string | undefined][] = [
      ['granted unit', view(account()), receiver(), 'Orders.Paid', 'north', undefined],
      ['below a granted unit', view(account()), receiver(), 'Orders.Paid', 'oslo', undefined],
      ['no account', view(), receiver(), 'Orders.Paid', 'north', 'the receiving account a1 does not exist'],
      ['account disabled', view(account({ enabled: false })), receiver(), 'Orders.Paid', 'north', 'the receiving account crm (a1) is disabled'],
      ['no grant for the topic', view(account()), receiver(), 'Visits.Done', 'north', 'account crm (a1) has no webhooks:receive grant for topic Visits.Done'],
      ['another action only', view(account({ grants: [{ actions: ['logs:read'], units: '*', topics: '*' }] })), receiver(), 'Orders.Paid', 'north', 'account crm (a1) has no webhooks:receive grant for topic Orders.Paid'],
      ['unit not granted', view(account()), receiver(), 'Orders.Paid', 'south', 'unit south is outside the units account crm (a1) may receive webhooks for'],
      ['outside any unit, units named', view(account()), receiver(), 'Orders.Paid', undefined, 'an object outside any unit is outside the units account crm (a1) may receive webhooks for'],
      ['"" is outside any unit', view(account()), receiver(), 'Orders.Paid', '', 'an object outside any unit is outside the units account crm (a1) may receive webhooks for'],
      ['outside any unit, whole tenant', view(account({ grants: [receive('*')] })), receiver(), 'Orders.Paid', undefined, undefined],
      ['within the bound', view(account({ grants: [receive('*')] })), receiver({ receiveBound: [{ units: ['north'], topics: ['Orders.Paid'] }] }), 'Orders.Paid', 'oslo', undefined],
      [
        'beyond the bound',
        view(account({ grants: [receive('*')] })),
        receiver({ receiveBound: [{ units: ['north'], topics: ['Orders.Paid'] }] }),
        'Orders.Paid',
        'south',
        "topic Orders.Paid in unit south is beyond the receiver's receiveBound: whoever registered it (or last changed its account, topics or URL) could not receive it then",
      ],
      ['an empty bound', view(account({ grants: [receive('*')] })), receiver({ receiveBound: [] }), 'Orders.Paid', undefined, "topic Orders.Paid outside any unit is beyond the receiver's receiveBound: whoever registered it (or last changed its account, topics or URL) could not receive it then"],
      ['the bound never widens the account', view(account()), receiver({ receiveBound: [{ units: '*', topics: '*' }] }), 'Orders.Paid', 'south', 'unit south is outside the units account crm (a1) may receive webhooks for'],
    ];
    for (const [what, v, r, topic, unit, want] of table) assert.equal(receiveRefusal(v, 't', r, topic, unit), want, what);
  });
});

describe('which webhook orders are checked again', () => {
  it('every order but a first attempt straight from fan-out', () => {
    const o = { attempt: 1 };
    assert.equal(decidedByFanOut(o), true);
    assert.equal(decidedByFanOut({ ...o, manual: false, parked: 0 }), true);
    assert.equal(decidedByFanOut({ attempt: 2 }), false, 'a retry');
    assert.equal(decidedByFanOut({ ...o, manual: true }), false, 'a resend');
    assert.equal(decidedByFanOut({ ...o, parked: 1 }), false, 'back from the agenda');
  });
  it('reads the object’s unit from the body fan-out wrote, or none', () => {
    assert.equal(webhookObjectUnit(JSON.stringify({ id: 'e', object: { type: 'x', id: '1', unit: 'oslo' }, data: {} })), 'oslo');
    for (const body of ['{"object":{"type":"x","id":"1"}}', '{"object":{"unit":""}}', '{"object":{"unit":7}}', '{}', 'null', '3', 'not JSON', '']) {
      assert.equal(webhookObjectUnit(body), undefined, body);
    }
  });
});
