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

  // The rule as first written, part by part: the answer (and which part is named first) must not change.
  function byParts(h: readonly Grant[], requested: readonly Grant[]): ReturnType<typeof uncoveredGrant> {
    const unitCovered = (units: Grant['units'], unit: string) => units === '*' || (unit !== '*' && units.some((x) => (pathOf(unit) ?? [unit]).includes(x)));
    for (const r of requested) {
      for (const action of r.actions) {
        const topical = ['events:publish', 'webhooks:receive', 'receivers:read', 'receivers:write', 'logs:read'].includes(action);
        for (const unit of r.units === '*' ? ['*'] : r.units) {
          for (const topic of !topical ? [undefined] : r.topics === '*' ? ['*'] : r.topics) {
            const ok = h.some((g) => actionGranted(g.actions, action) && unitCovered(g.units, unit) && (topic === undefined || g.topics === '*' || g.topics.some((p) => patternCovers(p, topic))));
            if (!ok) return { action, unit, ...(topic !== undefined ? { topic } : {}) };
          }
        }
      }
    }
    return undefined;
  }

  it('answers as the part-by-part rule does, on random grants (up to 40 holder grants)', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n);
    const pick = <T>(xs: readonly T[], max: number): T[] => [...new Set(Array.from({ length: 1 + rnd(max) }, () => xs[rnd(xs.length)]))];
    const actions = ['events:publish', 'logs:read', 'units:read', 'units:write', 'users:impersonate'];
    const units = ['north', 'north-a', 'north-a-1', 'north-b', 'south', 'ghost'];
    const topics = ['*', '>', 'A.*', 'A.>', 'A.B', 'A.B.C', '*.B', '*.*', 'B.>', 'A.*.C'];
    const grant = (): Grant => ({ actions: pick(actions, 3), units: rnd(5) === 0 ? '*' : pick(units, 3), topics: rnd(4) === 0 ? '*' : pick(topics, 3) });
    let covered = 0;
    for (let n = 0; n < 400; n++) {
      // Up to 40 holder grants: more than one 32-bit word of them.
      const h = Array.from({ length: rnd(n % 10 === 0 ? 40 : 4) }, grant);
      const requested = Array.from({ length: 1 + rnd(3) }, grant);
      const want = byParts(h, requested);
      if (want === undefined) covered++;
      assert.deepEqual(uncoveredGrant(h, requested, pathOf), want, JSON.stringify({ h, requested }));
    }
    assert.ok(covered > 20 && covered < 380, `both answers were tried (${covered} of 400 covered)`);
  });

  it('answers the largest request the API takes against a holder whose every pattern must be tried', () => {
    // 50 grants of 5 topic-scoped actions x 200 units x 100 topics: 5 million parts. Asked
    // part by part against 50 holder grants of 100 patterns, where only the very last covers
    // anything, this took hours of the registry's one thread for one POST /v1/accounts.
    const many = Array.from({ length: 200 }, (_, i) => `u${i}`);
    const requested: Grant[] = Array.from({ length: 50 }, () => ({
      actions: ['events:publish', 'logs:read', 'receivers:read', 'receivers:write', 'webhooks:receive'],
      units: many,
      topics: Array.from({ length: 100 }, (_, i) => `T${i}.x.y`),
    }));
    const crafted: Grant[] = Array.from({ length: 50 }, (_, g) => ({
      actions: ['events:publish', 'logs:read', 'receivers:write', 'webhooks:receive'],
      units: '*',
      topics: Array.from({ length: 100 }, (_, i) => (g === 49 && i === 99 ? '*.x.y' : `Z${g}.${i}.q`)),
    }));
    assert.equal(uncoveredGrant(crafted, requested, () => undefined), undefined);
    const last = crafted[49].topics as string[];
    last[99] = '*.x.z';
    assert.deepEqual(uncoveredGrant(crafted, requested, () => undefined), { action: 'events:publish', unit: 'u0', topic: 'T0.x.y' });
  });
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
