import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Grant } from '@hookline/contracts';
import { delegationGap, describeGap, intersectTopicPatterns, mayDelegate, scopeOf, withinBound, type Scope } from './delegation';
import { allows, impersonationGrants, topicMatches, uncoveredGrant, unitPathFrom } from './grants';
import { OPERATOR, type AccountPrincipal, type Principal } from './principal';

// A unit tree:  north ── oslo ── oslo-1
//                     └─ bergen
//               south
const parents: Record<string, string | null> = { north: null, oslo: 'north', 'oslo-1': 'oslo', bergen: 'north', south: null };
const pathOf = (u: string) => (u in parents ? unitPathFrom((x) => parents[x], u) : undefined);

const account = (grants: Grant[]): AccountPrincipal => ({ kind: 'account', tenantId: 't', accountId: 'p', grants, tokenId: 'j', issuedAt: 0, expiresAt: 0 });
const receive = (units: Grant['units'], topics: Grant['topics'] = '*'): Grant => ({ actions: ['webhooks:receive'], units, topics });

describe('intersectTopicPatterns', () => {
  const table: [string, string, string | undefined][] = [
    ['*', 'Accounts.Update', 'Accounts.Update'],
    ['Accounts.>', '>', 'Accounts.>'],
    ['Accounts.*', '*.Update', 'Accounts.Update'],
    ['Accounts.*', 'Accounts.Update', 'Accounts.Update'],
    ['Accounts.*', 'Visits.*', undefined],
    ['Accounts.*', 'Accounts.Update.Email', undefined],
    ['Accounts.>', 'Accounts.*', 'Accounts.*'],
    ['Accounts.>', 'Accounts', undefined],
    ['A.>', 'A.B.>', 'A.B.>'],
    ['A.>', '*.C', 'A.C'],
    ['A.*.>', 'A.B', undefined],
    ['A.*.>', '*.B.C.D', 'A.B.C.D'],
    ['Accounts.Update', 'Accounts.Update', 'Accounts.Update'],
  ];
  for (const [a, b, want] of table) {
    it(`${a} ∩ ${b} = ${want ?? 'nothing'}`, () => {
      assert.equal(intersectTopicPatterns(a, b), want);
      assert.equal(intersectTopicPatterns(b, a), want);
    });
  }
  it('matches exactly the topics both patterns match (all pairs over a corpus)', () => {
    const patterns = ['*', '>', 'A', 'A.*', 'A.>', '*.B', 'A.B', 'A.B.*', 'A.*.C', '*.*', '*.>', 'B.>', 'A.B.>'];
    const topics = ['A', 'B', 'A.B', 'A.C', 'B.B', 'A.B.C', 'A.X.C', 'A.B.C.D', 'B.B.C'];
    for (const a of patterns) {
      for (const b of patterns) {
        const both = intersectTopicPatterns(a, b);
        for (const t of topics) {
          const want = topicMatches(a, t) && topicMatches(b, t);
          assert.equal(both !== undefined && topicMatches(both, t), want, `${a} ∩ ${b} = ${both} on ${t}`);
        }
      }
    }
  });
});

describe('scopeOf', () => {
  const grants: Grant[] = [receive(['north'], ['Accounts.*']), receive('*', ['Visits.Done']), { actions: ['logs:read'], units: '*', topics: '*' }];
  it('one scope per grant naming the action, limited to the topics', () => {
    assert.deepEqual(scopeOf(grants, 'webhooks:receive', { topics: ['Accounts.Update', 'Orders.*'] }, pathOf), [{ units: ['north'], topics: ['Accounts.Update'] }]);
    assert.deepEqual(scopeOf(grants, 'webhooks:receive', { topics: ['>'] }, pathOf), [
      { units: ['north'], topics: ['Accounts.*'] },
      { units: '*', topics: ['Visits.Done'] },
    ]);
  });
  it('limited to units: the deeper of two nested subtrees, nothing for disjoint ones', () => {
    assert.deepEqual(scopeOf(grants, 'webhooks:receive', { units: ['oslo'] }, pathOf), [
      { units: ['oslo'], topics: ['Accounts.*'] },
      { units: ['oslo'], topics: ['Visits.Done'] },
    ]);
    assert.deepEqual(scopeOf([receive(['oslo'])], 'webhooks:receive', { units: ['south'] }, pathOf), []);
  });
  it('topics do not matter for actions that are not topic-scoped', () => {
    assert.deepEqual(scopeOf([{ actions: ['users:write'], units: ['north'], topics: ['X.*'] }], 'users:read', { topics: ['Y.Z'] }, pathOf), [{ units: ['north'], topics: '*' }]);
  });
  it('nothing when the grants do not name the action', () => {
    assert.deepEqual(scopeOf([{ actions: ['logs:read'], units: '*', topics: '*' }], 'webhooks:receive', {}, pathOf), []);
  });
});

describe('mayDelegate (a receiver: registrant p names a receiving account with webhooks:receive)', () => {
  type Row = [name: string, p: Principal, delegate: Grant[], topics: string[], want: { bound: Scope[] | null } | { gap: string }];
  const table: Row[] = [
    ['the operator may name any account, and records no bound', OPERATOR, [receive('*')], ['Deputy.Probe'], { bound: null }],
    ['the issue: receive on south only names a tenant-wide account', account([receive(['south'])]), [receive('*')], ['Deputy.Probe'], { gap: 'webhooks:receive on the whole tenant for topic Deputy.Probe' }],
    ['the same account names one as narrow as itself', account([receive(['south'])]), [receive(['south'])], ['Deputy.Probe'], { bound: [{ units: ['south'], topics: ['Deputy.Probe'] }] }],
    ['a grant on a unit covers an account granted below it', account([receive(['north'])]), [receive(['oslo-1'])], ['A.B'], { bound: [{ units: ['north'], topics: ['A.B'] }] }],
    ['not the other way round', account([receive(['oslo'])]), [receive(['north'])], ['A.B'], { gap: 'webhooks:receive on unit north for topic A.B' }],
    ['only the receiver’s topics count: a wide account named for a topic the registrant holds', account([receive('*', ['Deputy.*'])]), [receive('*')], ['Deputy.Probe'], { bound: [{ units: '*', topics: ['Deputy.Probe'] }] }],
    ['a topic outside the registrant’s grant', account([receive('*', ['Deputy.*'])]), [receive('*')], ['Deputy.Probe', 'Orders.*'], { gap: 'webhooks:receive on the whole tenant for topic Orders.*' }],
    ['what the account cannot receive anyway needs no cover', account([receive(['south'], ['Orders.*'])]), [receive(['south'], ['Orders.Paid']), receive(['north'], ['Visits.*'])], ['Orders.*'], { bound: [{ units: ['south'], topics: ['Orders.*'] }] }],
    ['an account with no webhooks:receive at all delegates nothing, and bounds to nothing', account([{ actions: ['receivers:write'], units: '*', topics: '*' }]), [], ['A.B'], { bound: [] }],
    ['receivers:write alone does not let one name a receiving account', account([{ actions: ['receivers:write'], units: '*', topics: '*' }]), [receive(['south'])], ['A.B'], { gap: 'webhooks:receive on unit south for topic A.B' }],
    ['the tenant-wide admin grant (units * and topics *) may name any account', account([receive('*')]), [receive('*'), receive(['north'], ['X.*'])], ['X.Y', 'Z.*'], { bound: [{ units: '*', topics: ['X.Y', 'Z.*'] }] }],
    ['two grants each covering a part', account([receive(['north'], ['A.*']), receive(['south'], ['B.*'])]), [receive(['oslo'], ['A.X']), receive(['south'], ['B.Y'])], ['A.X', 'B.Y'], {
      bound: [
        { units: ['north'], topics: ['A.X'] },
        { units: ['south'], topics: ['B.Y'] },
      ],
    }],
  ];
  for (const [name, p, delegate, topics, want] of table) {
    it(name, () => {
      const d = mayDelegate(p, 'webhooks:receive', delegate, { topics }, pathOf);
      if ('gap' in want) {
        assert.equal(d.allowed, false);
        assert.equal(!d.allowed && describeGap(d.gap), want.gap);
      } else {
        assert.deepEqual(d, { allowed: true, bound: want.bound });
      }
    });
  }

  it('a user acting through an account delegates only what the account holds on the user’s units', () => {
    const accountGrants = [receive('*'), { actions: ['receivers:write', 'users:impersonate'], units: '*', topics: '*' } as Grant];
    const user: Principal = { kind: 'user', tenantId: 't', userId: 'bob', accountId: 'a', grants: impersonationGrants(accountGrants, ['south'], pathOf), tokenId: 'j', issuedAt: 0, expiresAt: 0 };
    assert.equal(mayDelegate(user, 'webhooks:receive', [receive('*')], { topics: ['A.B'] }, pathOf).allowed, false);
    assert.deepEqual(mayDelegate(user, 'webhooks:receive', [receive(['south'])], { topics: ['A.B'] }, pathOf), { allowed: true, bound: [{ units: ['south'], topics: ['A.B'] }] });
  });

  it('a delegation never reaches past its bound, whatever the delegate is granted later', () => {
    const p = account([receive(['south'], ['Deputy.*'])]);
    const d = mayDelegate(p, 'webhooks:receive', [receive(['south'])], { topics: ['Deputy.Probe', 'Orders.*'] }, pathOf);
    assert.ok(d.allowed === false); // Orders.* is not the registrant's
    const ok = mayDelegate(p, 'webhooks:receive', [receive(['south'], ['Deputy.*'])], { topics: ['Deputy.Probe'] }, pathOf);
    assert.ok(ok.allowed);
    const widened = [receive('*')];
    const cases: [topic: string, unit: string | undefined, reaches: boolean][] = [
      ['Deputy.Probe', 'south', true],
      ['Deputy.Probe', 'north', false],
      ['Deputy.Probe', 'oslo-1', false],
      ['Deputy.Probe', undefined, false],
      ['Deputy.Other', 'south', false],
    ];
    for (const [topic, unit, reaches] of cases) {
      const target = { topic, unitPath: unit ? pathOf(unit) : undefined };
      assert.equal(allows(widened, 'webhooks:receive', target) && withinBound(ok.bound, target), reaches, `${topic} in ${unit}`);
    }
  });
});

describe('withinBound', () => {
  it('no bound (null or a receiver registered before bounds were recorded) lets everything through', () => {
    assert.ok(withinBound(null, { topic: 'A.B', unitPath: ['south'] }));
    assert.ok(withinBound(undefined, {}));
  });
  it('an empty bound lets nothing through', () => assert.ok(!withinBound([], { topic: 'A.B', unitPath: ['south'] })));
  it('a bound on a unit covers the units below it', () => {
    assert.ok(withinBound([{ units: ['north'], topics: '*' }], { topic: 'A.B', unitPath: ['north', 'oslo'] }));
    assert.ok(!withinBound([{ units: ['oslo'], topics: '*' }], { topic: 'A.B', unitPath: ['north'] }));
  });
});

describe('delegationGap', () => {
  it('the operator holds everything', () => assert.equal(delegationGap(OPERATOR, 'webhooks:receive', [{ units: '*', topics: '*' }], pathOf), undefined));
  it('names the first part not held', () => {
    const gap = delegationGap(account([receive(['north'])]), 'webhooks:receive', [{ units: ['oslo', 'south'], topics: ['A.B'] }], pathOf);
    assert.deepEqual(gap, { action: 'webhooks:receive', unit: 'south', topic: 'A.B' });
  });
});

describe('token exchange: an account acting as a user never holds more than the account', () => {
  const accounts: Grant[][] = [
    [receive('*'), { actions: ['users:impersonate', 'receivers:write', 'logs:read'], units: '*', topics: ['Orders.*'] }],
    [{ actions: ['users:impersonate', 'events:publish'], units: ['north'], topics: '*' }],
    [{ actions: ['users:impersonate'], units: ['oslo'], topics: '*' }, receive(['south'], ['X.*'])],
  ];
  const users: Grant['units'][] = ['*', ['north'], ['oslo-1'], ['south', 'bergen'], []];
  for (const [i, grants] of accounts.entries()) {
    for (const units of users) {
      it(`account ${i} as a user who sees ${JSON.stringify(units)}`, () => {
        const asUser = impersonationGrants(grants, units, pathOf);
        assert.equal(uncoveredGrant(grants, asUser, pathOf), undefined);
        assert.ok(asUser.every((g) => !g.actions.includes('users:impersonate')));
      });
    }
  }
});
