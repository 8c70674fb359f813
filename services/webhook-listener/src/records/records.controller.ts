import { Controller, Get, Param, Query } from '@nestjs/common';
import { TENANT_ID_RE } from '@hookline/contracts';
import { CurrentPrincipal, MAX_PAGE_LIMIT, MAX_CURSOR_LENGTH, Requires, ValidationError, type FieldProblem, type Principal } from '@hookline/http';
import { isIsoDateTime } from '@hookline/listener-tables';
import { RecordsService, type RecordsQuery } from './records.service';

const PLAIN = new Set(['tenant', 'limit', 'cursor', 'modifiedFrom', 'modifiedTo']);

/** The query is read by hand: key.<column> names come from each listener's structure. */
function parseQuery(raw: Record<string, unknown>): RecordsQuery {
  const problems: FieldProblem[] = [];
  const str = (k: string): string | undefined => {
    const v = raw[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      problems.push({ field: k, message: 'must be given once' });
      return undefined;
    }
    return v;
  };
  // key.<column> filters by name: "key.__proto__" must be a filter that is refused, not
  // an assignment to the object's prototype that drops it (and widens the answer).
  const q: RecordsQuery = { limit: 50, key: Object.create(null) as Record<string, string> };
  const tenant = str('tenant');
  if (tenant !== undefined) {
    if (!TENANT_ID_RE.test(tenant)) problems.push({ field: 'tenant', message: 'tenant must be lowercase letters, digits and dashes' });
    else q.tenant = tenant;
  }
  const limit = str('limit');
  if (limit !== undefined) {
    if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE_LIMIT) problems.push({ field: 'limit', message: `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}` });
    else q.limit = Number(limit);
  }
  const cursor = str('cursor');
  if (cursor !== undefined) {
    if (cursor.length > MAX_CURSOR_LENGTH) problems.push({ field: 'cursor', message: 'is not a cursor returned by this API' });
    else q.cursor = cursor;
  }
  for (const k of ['modifiedFrom', 'modifiedTo'] as const) {
    const v = str(k);
    if (v === undefined) continue;
    // Checked as PostgreSQL reads a timestamptz (class-validator's isISO8601 passes 2026-01
    // and offsets past ±15:59, which PostgreSQL refuses); a date alone is its midnight, UTC.
    const instant = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v;
    if (!isIsoDateTime(instant)) problems.push({ field: k, message: `${k} must be an ISO 8601 date or a date-time with a time zone, such as 2026-01-31 or 2026-01-31T12:00:00Z` });
    else q[k] = instant;
  }
  for (const [k, v] of Object.entries(raw)) {
    if (PLAIN.has(k)) continue;
    if (!k.startsWith('key.') || k.length === 4) {
      problems.push({ field: k, message: `is not a filter (use ${[...PLAIN].join(', ')} or key.<column>)` });
      continue;
    }
    if (typeof v !== 'string' || v === '' || v.length > 1000 || v.includes('\u0000')) problems.push({ field: k, message: 'must be given once, as 1 to 1000 characters' });
    else q.key[k.slice(4)] = v;
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return q;
}

/** The records inbound listeners stored (the tables generated from their samples). */
@Controller('v1/listener-records')
export class RecordsController {
  constructor(private readonly records: RecordsService) {}

  @Get(':listenerId')
  @Requires('listeners:read')
  list(@CurrentPrincipal() p: Principal, @Param('listenerId') listenerId: string, @Query() raw: Record<string, unknown>) {
    return this.records.list(p, listenerId, parseQuery(raw));
  }
}
