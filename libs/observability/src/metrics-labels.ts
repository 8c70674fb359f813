// Label values are the cost of a metric: each distinct one is a time series. These pure
// functions keep them bounded: a route is its template, never the raw path; a value that
// looks like an id (a UUID, a long hex or digit run) is never a label; and each label of
// each metric takes at most so many distinct values, the rest folded into "other".

/** What a value becomes when it cannot be a label. */
export const OTHER = 'other';

/** Distinct values one label of one metric may take before the rest are folded into "other". */
export const DEFAULT_MAX_LABEL_VALUES = 100;

const ID_LIKE = [
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i, // a UUID anywhere
  /[0-9a-f]{16,}/i, // a long hex run (hashes, ids without dashes)
  /\d{8,}/, // a long number (sequence numbers, timestamps, numeric ids)
  /[0-9A-HJKMNP-TV-Z]{26}/, // a ULID
];
const MAX_LENGTH = 100;

/** The value as a label, or "other" when it looks like an id or is too long to be a category. */
export function safeLabelValue(value: string): string {
  if (value === '') return 'none';
  if (value.length > MAX_LENGTH) return OTHER;
  return ID_LIKE.some((re) => re.test(value)) ? OTHER : value;
}

/**
 * Caps the distinct values each (metric, label) pair takes: the first `max` seen are
 * kept, later new ones become "other". A bug that put an id into a label then costs a
 * hundred series, not a million.
 */
export class LabelGuard {
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly max = DEFAULT_MAX_LABEL_VALUES) {}

  value(metric: string, label: string, raw: string): string {
    const v = safeLabelValue(raw);
    const key = `${metric}\u0000${label}`;
    let values = this.seen.get(key);
    if (!values) this.seen.set(key, (values = new Set()));
    if (values.has(v)) return v;
    if (values.size >= this.max) return OTHER;
    values.add(v);
    return v;
  }

  labels<L extends Record<string, string>>(metric: string, labels: L): L {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) out[k] = this.value(metric, k, String(v));
    return out as L;
  }
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function methodLabel(method: string | undefined): string {
  const m = (method ?? '').toUpperCase();
  return METHODS.has(m) ? m : OTHER;
}

/** 2xx, 4xx, ...; "aborted" when the client went away before the answer was complete. */
export function statusClass(status: number, finished: boolean): string {
  if (!finished) return 'aborted';
  if (status >= 100 && status < 600) return `${Math.floor(status / 100)}xx`;
  return OTHER;
}

export interface RouteFacts {
  /** A template the handler named itself (a route answered outside the framework's router). */
  explicit?: string;
  /** The router's template for the matched route (express: req.route.path), if one matched. */
  routePath?: unknown;
  /** The request's path, without the query. */
  path: string;
}

/**
 * The route label of a request: the handler's own template, else the router's template,
 * else the longest known prefix the path starts with followed by "*" (paths served by a
 * whole handler: /hooks/*, /console*), else "unmatched" (a 404 with no route). Never the
 * raw path.
 */
export function routeLabel(r: RouteFacts, prefixes: readonly string[] = []): string {
  if (r.explicit) return r.explicit;
  if (typeof r.routePath === 'string' && r.routePath !== '') return r.routePath;
  let best: string | undefined;
  for (const p of prefixes) if (r.path.startsWith(p) && (!best || p.length > best.length)) best = p;
  return best ? `${best}*` : 'unmatched';
}
