import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Grant } from '@hookline/contracts';
import {
  actionGranted,
  allows,
  holdsAction,
  impersonationGrants,
  intersectUnits,
  isTopicPattern,
  normalizeGrants,
  patternCovers,
  topicMatches,
  topicPatternRegex,
  uncoveredGrant,
  unitPathFrom,
  unitScope,
} from './grants';

// A unit tree:  north ── north-a ── north-a-1
//                     └─ north-b
//               south
const parents: Record<string, string | null> = { north: null, 'north-a': 'north', 'north-a-1': 'north-a', 'north-b': 'north', south: null };
const pathOf = (u: string) => (u in parents ? unitPathFrom((x) => parents[x], u) : undefined);

describe('topicMatches', () => {
  const table: [string, string, boolean][] = [
    ['*', 'Accounts.Update', true],
    ['>', 'A', true],
    ['Accounts.*', 'Accounts.Update', true],
    ['Accounts.*', 'Accounts', false],
    ['Accounts.*', 'Accounts.Update.Email', false],
    ['Accounts.>', 'Accounts.Update.Email', true],
    ['Accounts.>', 'Accounts', false],
    ['*.Update', 'Visits.Update', true],
    ['*.Update', 'Visits.Create', false],
    ['Accounts.Update', 'Accounts.Update', true],
    ['Accounts.Update', 'accounts.update', false],
  ];
  for (const [p, t, ok] of table) it(`${p} ${ok ? 'matches' : 'does not match'} ${t}`, () => assert.equal(topicMatches(p, t), ok));
});

describe('patternCovers', () => {
  const table: [string, string, boolean][] = [
    ['*', 'Anything.>', true],
    ['Accounts.>', 'Accounts.*', true],
    ['Accounts.>', 'Accounts.Update.>', true],
    ['Accounts.*', 'Accounts.Update', true],
    ['Accounts.*', 'Accounts.>', false],
    ['Accounts.Update', 'Accounts.*', false],
    ['Accounts.*', '*', false],
    ['*.Update', 'Accounts.Update', true],
    ['Accounts.*', 'Visits.*', false],
  ];
  for (const [o, i, ok] of table) it(`${o} ${ok ? 'covers' : 'does not cover'} ${i}`, () => assert.equal(patternCovers(o, i), ok));
});

describe('isTopicPattern', () => {
  for (const ok of ['*', '>', 'Accounts.*', 'Accounts.>', 'a.*.c']) it(`accepts ${ok}`, () => assert.ok(isTopicPattern(ok)));
  for (const no of ['', 'a.>.b', 'a b', 'a..b', '.a', 'a.**']) it(`rejects ${JSON.stringify(no)}`, () => assert.ok(!isTopicPattern(no)));
});

describe('topicPatternRegex', () => {
  for (const [p, topic, ok] of [
    ['Accounts.*', 'Accounts.Update', true],
    ['Accounts.*', 'Accounts.Update.X', false],
    ['Accounts.>', 'Accounts.Update.X', true],
    ['*', 'x', true],
    ['A.B', 'AxB', false],
  ] as [string, string, boolean][]) {
    it(`${p} ~ ${topic} is ${ok}`, () => assert.equal(new RegExp(topicPatternRegex(p)).test(topic), ok));
  }
});

describe('allows', () => {
  const grants: Grant[] = [
    { actions: ['events:publish'], units: ['north-a'], topics: ['Accounts.*'] },
    { actions: ['receivers:write'], units: '*', topics: '*' },
    { actions: ['webhooks:receive'], units: ['south'], topics: ['Visits.>'] },
  ];
  const table: [string, string, { topic?: string; unitPath?: readonly string[] }, boolean][] = [
    ['a grant on a unit covers the unit itself', 'events:publish', { topic: 'Accounts.Update', unitPath: pathOf('north-a') }, true],
    ['a grant on a unit covers units below it', 'events:publish', { topic: 'Accounts.Update', unitPath: pathOf('north-a-1') }, true],
    ['but not its parent', 'events:publish', { topic: 'Accounts.Update', unitPath: pathOf('north') }, false],
    ['nor a sibling', 'events:publish', { topic: 'Accounts.Update', unitPath: pathOf('north-b') }, false],
    ['nor a tenant-level object', 'events:publish', { topic: 'Accounts.Update' }, false],
    ['the topic must match', 'events:publish', { topic: 'Visits.Update', unitPath: pathOf('north-a') }, false],
    ['write implies read', 'receivers:read', {}, true],
    ['a whole-tenant grant covers tenant-level objects', 'receivers:write', {}, true],
    ['an action nobody granted', 'accounts:write', {}, false],
    ['webhooks:receive on the right topic and unit', 'webhooks:receive', { topic: 'Visits.Completed.Late', unitPath: ['south'] }, true],
    ['webhooks:receive on the wrong topic', 'webhooks:receive', { topic: 'Accounts.Update', unitPath: ['south'] }, false],
    ['webhooks:receive for an unknown unit', 'webhooks:receive', { topic: 'Visits.X', unitPath: ['elsewhere'] }, false],
  ];
  for (const [name, action, target, ok] of table) it(name, () => assert.equal(allows(grants, action, target), ok));

  it('holdsAction ignores units and topics', () => {
    assert.ok(holdsAction(grants, 'events:publish'));
    assert.ok(holdsAction(grants, 'receivers:read'));
    assert.ok(!holdsAction(grants, 'logs:read'));
  });
  it('unitScope unions the units of the grants naming the action', () => {
    assert.deepEqual(unitScope(grants, 'events:publish'), ['north-a']);
    assert.equal(unitScope(grants, 'receivers:read'), '*');
    assert.deepEqual(unitScope(grants, 'logs:read'), []);
  });
  it('actionGranted', () => {
    assert.ok(actionGranted(['units:write'], 'units:read'));
    assert.ok(!actionGranted(['units:read'], 'units:write'));
  });
});

describe('intersectUnits', () => {
  const table: [Grant['units'], Grant['units'], Grant['units']][] = [
    ['*', '*', '*'],
    ['*', ['north'], ['north']],
    [['north'], '*', ['north']],
    [['north'], ['north-a-1'], ['north-a-1']],
    [['north-a-1'], ['north'], ['north-a-1']],
    [['north-a'], ['north-b'], []],
    [['north', 'south'], ['north-a', 'south'], ['north-a', 'south']],
    [['north-a'], ['unknown'], []],
  ];
  for (const [a, b, want] of table) {
    it(`${JSON.stringify(a)} ∩ ${JSON.stringify(b)} = ${JSON.stringify(want)}`, () => {
      const got = intersectUnits(a, b, pathOf);
      assert.deepEqual(got === '*' ? got : [...got].sort(), want === '*' ? want : [...want].sort());
    });
  }
});

describe('impersonationGrants', () => {
  it("limits every grant to the user's units and drops impersonation itself", () => {
    const account: Grant[] = [
      { actions: ['users:impersonate', 'events:publish'], units: '*', topics: ['Accounts.*'] },
      { actions: ['units:read'], units: ['south'], topics: '*' },
      { actions: ['users:impersonate'], units: '*', topics: '*' },
    ];
    assert.deepEqual(impersonationGrants(account, ['north-a'], pathOf), [{ actions: ['events:publish'], units: ['north-a'], topics: ['Accounts.*'] }]);
    assert.deepEqual(impersonationGrants(account, '*', pathOf), [
      { actions: ['events:publish'], units: '*', topics: ['Accounts.*'] },
      { actions: ['units:read'], units: ['south'], topics: '*' },
    ]);
  });
});

describe('uncoveredGrant (no escalation)', () => {
  const holder: Grant[] = [
    { actions: ['accounts:write', 'events:publish'], units: ['north'], topics: ['Accounts.>'] },
    { actions: ['logs:read'], units: '*', topics: '*' },
  ];
  const table: [string, Grant[], ReturnType<typeof uncoveredGrant>][] = [
    ['exactly what the holder holds', holder, undefined],
    ['a narrower unit and topic', [{ actions: ['events:publish'], units: ['north-a-1'], topics: ['Accounts.Update'] }], undefined],
    ['read through write', [{ actions: ['accounts:read'], units: ['north-b'], topics: '*' }], undefined],
    ['a wider unit', [{ actions: ['events:publish'], units: ['north', 'south'], topics: ['Accounts.*'] }], { action: 'events:publish', unit: 'south', topic: 'Accounts.*' }],
    ['the whole tenant', [{ actions: ['events:publish'], units: '*', topics: ['Accounts.*'] }], { action: 'events:publish', unit: '*', topic: 'Accounts.*' }],
    ['a wider topic', [{ actions: ['events:publish'], units: ['north'], topics: '*' }], { action: 'events:publish', unit: 'north', topic: '*' }],
    ['an action not held', [{ actions: ['users:impersonate'], units: ['north'], topics: '*' }], { action: 'users:impersonate', unit: 'north' }],
    ['topics do not matter for actions without topics', [{ actions: ['logs:read'], units: '*', topics: '*' }], undefined],
  ];
  for (const [name, requested, want] of table) it(name, () => assert.deepEqual(uncoveredGrant(holder, requested, pathOf), want));
});

describe('normalizeGrants', () => {
  it('sorts, de-duplicates, widens "*" topics and drops empty grants', () => {
    assert.deepEqual(
      normalizeGrants([
        { actions: ['b:x', 'a:x', 'a:x'], units: ['z', 'y'], topics: ['T.*', 'A.*'] },
        { actions: ['a:x'], units: [], topics: '*' },
        { actions: ['a:x'], units: '*', topics: ['*'] },
      ]),
      [
        { actions: ['a:x', 'b:x'], units: ['y', 'z'], topics: ['A.*', 'T.*'] },
        { actions: ['a:x'], units: '*', topics: '*' },
      ],
    );
  });
});

describe('unitPathFrom', () => {
  it('walks to the root', () => assert.deepEqual(unitPathFrom((x) => parents[x], 'north-a-1'), ['north', 'north-a', 'north-a-1']));
  it('stops on a cycle', () => assert.deepEqual(unitPathFrom((x) => (x === 'a' ? 'b' : 'a'), 'a'), ['b', 'a']));
});
