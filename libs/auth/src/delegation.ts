// Delegation: one principal naming another whose permissions then act on its behalf (a
// receiver's receiving account today; an integration's or listener's owner and an
// installation's departments next). One rule everywhere: nobody makes another principal
// do for them more than they could do themselves, now or after that principal's grants
// grow. Pure functions, one table test (delegation.spec.ts).
import type { Grant } from '@hookline/contracts';
import { actionGranted, intersectUnits, TOPIC_SCOPED_ACTIONS, topicsMatch, uncoveredGrant, unitsCover, type Target, type UncoveredGrant, type UnitPathLookup } from './grants';
import type { Principal } from './principal';

/** A part of one action's reach: some units (each with everything below it) × some topics. */
export interface Scope {
  units: Grant['units'];
  topics: Grant['topics'];
}

/** What a delegation is limited to besides the delegate's own grants (a receiver's topics, an owner's units). */
export interface DelegationLimits {
  topics?: readonly string[];
  units?: Grant['units'];
}

const isAll = (pattern: string) => pattern === '*' || pattern === '>';

/**
 * The topics both patterns match, as one pattern, or undefined when no topic matches
 * both. ("Accounts.*" and "*.Update" -> "Accounts.Update"; "A.>" and "A.B.*" -> "A.B.*".)
 * Patterns are those of `isTopicPattern`; a lone "*" or ">" matches every topic.
 */
export function intersectTopicPatterns(a: string, b: string): string | undefined {
  if (isAll(a)) return b;
  if (isAll(b)) return a;
  const x = a.split('.');
  const y = b.split('.');
  const out: string[] = [];
  for (let i = 0; ; i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined && q === undefined) return out.join('.');
    // ">" matches one or more further words: whatever the other pattern has from here, if anything.
    if (p === '>') return q === undefined ? undefined : [...out, ...y.slice(i)].join('.');
    if (q === '>') return p === undefined ? undefined : [...out, ...x.slice(i)].join('.');
    if (p === undefined || q === undefined) return undefined;
    if (p === '*') out.push(q);
    else if (q === '*' || q === p) out.push(p);
    else return undefined;
  }
}

function intersectTopics(a: Grant['topics'], b: readonly string[] | undefined): Grant['topics'] {
  if (b === undefined) return a;
  const set = new Set<string>();
  for (const p of a === '*' ? ['*'] : a) {
    for (const q of b) {
      const both = intersectTopicPatterns(p, q);
      if (both !== undefined) set.add(both);
    }
  }
  const out = [...set];
  return out.some(isAll) ? '*' : out.sort();
}

/**
 * How far `action` reaches with these grants, limited to `limits`: one scope per grant
 * that names the action, empty parts left out. Topics matter only for topic-scoped
 * actions (for the others every scope's topics are "*").
 */
export function scopeOf(grants: readonly Grant[], action: string, limits: DelegationLimits, pathOf: UnitPathLookup): Scope[] {
  const topical = TOPIC_SCOPED_ACTIONS.includes(action);
  const out: Scope[] = [];
  for (const g of grants) {
    if (!actionGranted(g.actions, action)) continue;
    const units = limits.units === undefined ? g.units : intersectUnits(g.units, limits.units, pathOf);
    const topics = topical ? intersectTopics(g.topics, limits.topics) : '*';
    if ((units !== '*' && units.length === 0) || (topics !== '*' && topics.length === 0)) continue;
    out.push({ units: units === '*' ? '*' : [...units].sort(), topics });
  }
  return out;
}

/** The first part of `scope` (for `action`) the principal does not hold itself; undefined when it holds all of it. */
export function delegationGap(p: Principal, action: string, scope: readonly Scope[], pathOf: UnitPathLookup): UncoveredGrant | undefined {
  if (p.kind === 'operator') return undefined;
  return uncoveredGrant(
    p.grants,
    scope.map((s) => ({ actions: [action], units: s.units, topics: s.topics })),
    pathOf,
  );
}

export type Delegation =
  /** bound: what to record beside the delegation and apply on every use (null: no bound, the operator delegated). */
  | { allowed: true; bound: Scope[] | null }
  /** gap: a part of the delegate's reach the delegator does not hold. */
  | { allowed: false; gap: UncoveredGrant };

/**
 * May principal `p` have a principal holding `delegateGrants` use `action` on its behalf,
 * limited to `limits`? Only if `p` itself holds `action` over everything the delegate's
 * grants reach within those limits. The answer carries `p`'s own reach within the limits
 * as the bound to record: every later use is checked against the delegate's grants as
 * they are then *and* this bound, so a delegate whose grants grow afterwards does no
 * more for `p` than `p` could have done. The operator is bound by nothing; an account or
 * user is bound by its grants (a tenant-wide admin is simply one whose grant for
 * `action` has units "*" and topics "*", so the check passes and the bound is the limits).
 */
export function mayDelegate(p: Principal, action: string, delegateGrants: readonly Grant[], limits: DelegationLimits, pathOf: UnitPathLookup): Delegation {
  const gap = delegationGap(p, action, scopeOf(delegateGrants, action, limits, pathOf), pathOf);
  if (gap) return { allowed: false, gap };
  return { allowed: true, bound: p.kind === 'operator' ? null : scopeOf(p.grants, action, limits, pathOf) };
}

/** Whether a recorded bound lets the delegate act on `target` (null or absent: no bound). */
export function withinBound(bound: readonly Scope[] | null | undefined, target: Target): boolean {
  if (bound === null || bound === undefined) return true;
  return bound.some((s) => unitsCover(s.units, target.unitPath) && (target.topic === undefined || topicsMatch(s.topics, target.topic)));
}

/** A gap in words, for a 403: "webhooks:receive on unit north for topics Orders.*". */
export function describeGap(gap: UncoveredGrant): string {
  const where = gap.unit === '*' ? 'the whole tenant' : `unit ${gap.unit}`;
  return `${gap.action} on ${where}${gap.topic !== undefined ? ` for topic${isAll(gap.topic) ? 's *' : ` ${gap.topic}`}` : ''}`;
}
