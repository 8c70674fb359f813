// Grant matching: pure functions over grants, unit paths and topic patterns. Every
// service asks the same question ("may this account do X on this object?") through
// these, so the rules live in one place and in one table test.
import type { Grant } from '@hookline/contracts';

export type { Grant };

/** Every action a grant may name. "<x>:write" implies "<x>:read". */
export const ACTIONS = [
  'events:publish',
  'webhooks:receive',
  'receivers:read',
  'receivers:write',
  'logs:read',
  'units:read',
  'units:write',
  'users:read',
  'users:write',
  'users:impersonate',
  'accounts:read',
  'accounts:write',
  /** Push-notification settings, the type catalogue and the enable flags (a unit's flag: a grant on that unit). */
  'push:read',
  'push:write',
  /**
   * App installations: install, uninstall, rotate a client secret and the tenant's own
   * templates on the whole tenant; enabling or disabling a department needs a grant that
   * covers that unit. Also what resending a hookup notification needs.
   */
  'installations:read',
  'installations:write',
  /**
   * Custom integrations: their settings and the log of background requests (read), changing
   * them (write), both on the whole tenant; and using the buttons (use: the buttons of a page,
   * sending background requests, reading one's own jobs), on any unit. use is not implied
   * by write: an administrator's account need not be a user's.
   */
  'integrations:read',
  'integrations:write',
  'integrations:use',
  /**
   * Inbound webhook listeners: their services, settings, tokens and tables (write), and
   * the records they stored and their request logs (read). Listeners are tenant-wide, so
   * both need a grant on the whole tenant (units "*").
   */
  'listeners:read',
  'listeners:write',
] as const;
export type Action = (typeof ACTIONS)[number];

/** Actions whose targets have a topic; for the others a grant's topics do not matter. */
export const TOPIC_SCOPED_ACTIONS: readonly string[] = ['events:publish', 'webhooks:receive', 'receivers:read', 'receivers:write', 'logs:read'];

export function isAction(value: string): value is Action {
  return (ACTIONS as readonly string[]).includes(value);
}

/** Words of letters, digits, "_" or "-"; a word may be `*` (exactly one word) and the last may be `>` (one or more). */
export const TOPIC_PATTERN_RE = /^(\*|>|[A-Za-z0-9_-]{1,64})(\.(\*|>|[A-Za-z0-9_-]{1,64})){0,7}$/;

export function isTopicPattern(value: string): boolean {
  if (!TOPIC_PATTERN_RE.test(value)) return false;
  const words = value.split('.');
  return words.every((w, i) => w !== '>' || i === words.length - 1);
}

/**
 * What an object is, for a permission check. `unitPath` is the object's unit and its
 * ancestors (any order; root first by convention); an object without one belongs to the
 * tenant as a whole and needs a grant on the whole tenant. `topic` only matters for
 * topic-scoped actions.
 */
export interface Target {
  topic?: string;
  unitPath?: readonly string[];
}

/** Looks up a unit's path (root first, ending with the unit itself); undefined when unknown. */
export type UnitPathLookup = (unitId: string) => readonly string[] | undefined;

export function actionGranted(actions: readonly string[], action: string): boolean {
  if (actions.includes(action)) return true;
  const m = /^(.+):read$/.exec(action);
  return !!m && actions.includes(`${m[1]}:write`);
}

export function topicMatches(pattern: string, topic: string): boolean {
  if (pattern === '*' || pattern === '>') return true;
  const p = pattern.split('.');
  const t = topic.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return t.length > i;
    if (i >= t.length) return false;
    if (p[i] !== '*' && p[i] !== t[i]) return false;
  }
  return p.length === t.length;
}

/** True when every topic `inner` matches is also matched by `outer`. */
export function patternCovers(outer: string, inner: string): boolean {
  return wordsCover(outer.split('.'), inner.split('.'));
}

/** patternCovers over patterns already split into words (a lone "*" or ">" matches every topic). */
function wordsCover(o: readonly string[], n: readonly string[]): boolean {
  if (o.length === 1 && (o[0] === '*' || o[0] === '>')) return true;
  if (n.length === 1 && (n[0] === '*' || n[0] === '>')) return false;
  for (let i = 0; i < o.length; i++) {
    if (o[i] === '>') return n.length > i;
    if (i >= n.length || n[i] === '>') return false;
    if (o[i] === '*') continue;
    if (o[i] !== n[i]) return false;
  }
  return o.length === n.length;
}

export function topicsMatch(topics: Grant['topics'], topic: string): boolean {
  return topics === '*' || topics.some((p) => topicMatches(p, topic));
}

/** Does a grant's unit list cover an object with this unit path (undefined: a tenant-level object)? */
export function unitsCover(units: Grant['units'], unitPath: readonly string[] | undefined): boolean {
  if (units === '*') return true;
  if (!unitPath || unitPath.length === 0) return false;
  return units.some((u) => unitPath.includes(u));
}

function grantAllows(g: Grant, action: string, target: Target): boolean {
  if (!actionGranted(g.actions, action)) return false;
  if (!unitsCover(g.units, target.unitPath)) return false;
  if (target.topic !== undefined && TOPIC_SCOPED_ACTIONS.includes(action) && !topicsMatch(g.topics, target.topic)) return false;
  return true;
}

/**
 * The one question: do these grants allow `action` on `target`? For example, may an
 * account receive a webhook: allows(grants, 'webhooks:receive', { topic, unitPath }).
 */
export function allows(grants: readonly Grant[], action: string, target: Target = {}): boolean {
  return grants.some((g) => grantAllows(g, action, target));
}

/** Whether the grants name the action at all, on any unit or topic (the coarse check at the edge). */
export function holdsAction(grants: readonly Grant[], action: string): boolean {
  return grants.some((g) => actionGranted(g.actions, action) && (g.units === '*' || g.units.length > 0));
}

/** The units (each with everything below it) where `action` is granted, or "*" for the whole tenant. */
export function unitScope(grants: readonly Grant[], action: string): '*' | string[] {
  const out = new Set<string>();
  for (const g of grants) {
    if (!actionGranted(g.actions, action)) continue;
    if (g.units === '*') return '*';
    for (const u of g.units) out.add(u);
  }
  return [...out];
}

/** One (units, topics) pair per grant that names the action: for filtering lists in SQL. */
export function scopesFor(grants: readonly Grant[], action: string): { units: Grant['units']; topics: Grant['topics'] }[] {
  return grants.filter((g) => actionGranted(g.actions, action)).map((g) => ({ units: g.units, topics: g.topics }));
}

/**
 * The units both sides can see. A unit covers its subtree, so the intersection of two
 * subtrees is the deeper one when one lies inside the other, and nothing otherwise.
 */
export function intersectUnits(a: Grant['units'], b: Grant['units'], pathOf: UnitPathLookup): '*' | string[] {
  if (a === '*') return b === '*' ? '*' : [...b];
  if (b === '*') return [...a];
  const out = new Set<string>();
  for (const x of a) {
    for (const y of b) {
      if (x === y || (pathOf(y) ?? [y]).includes(x)) out.add(y);
      else if ((pathOf(x) ?? [x]).includes(y)) out.add(x);
    }
  }
  return [...out];
}

/**
 * The grants a token acting as a user carries: the account's, limited to the units the
 * user may see, without the right to impersonate again.
 */
export function impersonationGrants(accountGrants: readonly Grant[], userUnits: Grant['units'], pathOf: UnitPathLookup): Grant[] {
  const out: Grant[] = [];
  for (const g of accountGrants) {
    const actions = g.actions.filter((a) => a !== 'users:impersonate');
    const units = intersectUnits(g.units, userUnits, pathOf);
    if (actions.length === 0 || (units !== '*' && units.length === 0)) continue;
    out.push({ actions, units, topics: g.topics });
  }
  return out;
}

export interface UncoveredGrant {
  action: string;
  unit: string;
  topic?: string;
}

/**
 * Which parts of `requested` the `holder` could not grant itself: nobody hands out more
 * than they hold, so an account with accounts:write cannot mint a stronger account.
 * Returns the first part that is not covered, or undefined when all are.
 *
 * Every (action, unit, topic) of the request needs one holder grant covering all three.
 * A request may name 50 grants of 200 units and 100 topics each (5 million such parts),
 * and a holder as many grants and patterns, so the question is not asked grant by grant
 * and pattern by pattern for each part (that took hours for one request): which holder
 * grants cover an action, a unit or a topic is worked out once for each, as a bit set,
 * and a part is covered when the three sets meet.
 */
export function uncoveredGrant(holder: readonly Grant[], requested: readonly Grant[], pathOf: UnitPathLookup): UncoveredGrant | undefined {
  const words = Math.max(1, Math.ceil(holder.length / 32));
  const empty = () => new Uint32Array(words);
  const add = (m: Uint32Array, i: number) => {
    m[i >>> 5] |= 1 << (i & 31);
  };
  const memo = (compute: (key: string) => Uint32Array) => {
    const cache = new Map<string, Uint32Array>();
    return (key: string) => {
      let m = cache.get(key);
      if (!m) cache.set(key, (m = compute(key)));
      return m;
    };
  };

  // Units: the holder grants naming each unit id, and those on the whole tenant.
  const wholeTenant = empty();
  const naming = new Map<string, Uint32Array>();
  holder.forEach((h, i) => {
    if (h.units === '*') add(wholeTenant, i);
    else
      for (const u of h.units) {
        const m = naming.get(u) ?? empty();
        naming.set(u, m);
        add(m, i);
      }
  });
  const unitMask = memo((unit) => {
    const m = wholeTenant.slice();
    if (unit === '*') return m;
    for (const x of pathOf(unit) ?? [unit]) {
      const n = naming.get(x);
      if (n) for (let w = 0; w < words; w++) m[w] |= n[w];
    }
    return m;
  });
  const actionMask = memo((action) => {
    const m = empty();
    holder.forEach((h, i) => {
      if (actionGranted(h.actions, action)) add(m, i);
    });
    return m;
  });
  const patterns = holder.map((h) => (h.topics === '*' ? '*' : h.topics.map((p) => p.split('.'))));
  const topicMask = memo((topic) => {
    const m = empty();
    const t = topic.split('.');
    patterns.forEach((ps, i) => {
      if (ps === '*' || ps.some((p) => wordsCover(p, t))) add(m, i);
    });
    return m;
  });
  const meet = (a: Uint32Array, b: Uint32Array, c?: Uint32Array) => {
    for (let w = 0; w < words; w++) if ((a[w] & b[w] & (c ? c[w] : ~0)) !== 0) return true;
    return false;
  };

  for (const r of requested) {
    const units = r.units === '*' ? ['*'] : r.units;
    for (const action of r.actions) {
      const topical = TOPIC_SCOPED_ACTIONS.includes(action);
      const topics = !topical ? [undefined] : r.topics === '*' ? ['*'] : r.topics;
      const am = actionMask(action);
      for (const unit of units) {
        const um = unitMask(unit);
        for (const topic of topics) {
          if (!meet(am, um, topic === undefined ? undefined : topicMask(topic))) return { action, unit, ...(topic !== undefined ? { topic } : {}) };
        }
      }
    }
  }
  return undefined;
}

/** Sorted, de-duplicated grants without empty ones, so equal permissions compare equal. */
export function normalizeGrants(grants: readonly Grant[]): Grant[] {
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  return grants
    .map((g) => ({
      actions: uniq(g.actions),
      units: g.units === '*' ? ('*' as const) : uniq(g.units),
      topics: g.topics === '*' || g.topics.some((t) => t === '*' || t === '>') ? ('*' as const) : uniq(g.topics),
    }))
    .filter((g) => g.actions.length > 0 && (g.units === '*' || g.units.length > 0) && (g.topics === '*' || g.topics.length > 0));
}

/** Every unit id a set of grants names (to check they exist in the tenant). */
export function unitsNamed(grants: readonly Grant[]): string[] {
  return [...new Set(grants.flatMap((g) => (g.units === '*' ? [] : g.units)))];
}

/** A unit's path from the root down to itself, given each unit's parent (for projections). */
export function unitPathFrom(parentOf: (unitId: string) => string | null | undefined, unitId: string, maxDepth = 64): string[] {
  const path = [unitId];
  let cur: string | null | undefined = parentOf(unitId);
  while (cur && path.length < maxDepth && !path.includes(cur)) {
    path.unshift(cur);
    cur = parentOf(cur);
  }
  return path;
}

/** A topic pattern as a POSIX regular expression (PostgreSQL `~`), anchored. */
export function topicPatternRegex(pattern: string): string {
  if (pattern === '*' || pattern === '>') return '^.+$';
  const words = pattern.split('.').map((w) => (w === '*' ? '[^.]+' : w === '>' ? '.+' : w));
  return `^${words.join('\\.')}$`;
}
