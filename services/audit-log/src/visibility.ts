// What part of a tenant's logs a principal may read: with logs:read, the rows whose unit
// and topic one of its logs:read grants covers (a row outside any unit needs the whole
// tenant). Shared by the event log and the delivery log.
import type { SelectQueryBuilder } from 'typeorm';
import { scopesFor, topicPatternRegex, type Principal } from '@hookline/auth';
import { ForbiddenError } from '@hookline/http';

export type Visibility = '*' | { units: '*' | string[]; topicRegexes: '*' | string[] }[];

export function visibilityOf(p: Principal): Visibility {
  if (p.kind === 'operator') return '*';
  const scopes = scopesFor(p.grants, 'logs:read');
  if (scopes.length === 0) throw new ForbiddenError('the logs need the logs:read permission');
  if (scopes.some((s) => s.units === '*' && s.topics === '*')) return '*';
  return scopes.map((s) => ({ units: s.units, topicRegexes: s.topics === '*' ? '*' : s.topics.map(topicPatternRegex) }));
}

/**
 * Adds the visibility clauses to a query over `alias`, whose unit and topic columns are
 * named; a row's unit is looked up in the unit tree projected from registry changes.
 */
export function applyVisibility<T extends object>(q: SelectQueryBuilder<T>, v: Visibility, cols: { alias: string; unit: string; topic: string }): void {
  if (v === '*') return;
  const { alias, unit, topic } = cols;
  const clauses = v.map((s, i) => {
    const parts: string[] = [];
    if (s.units !== '*') {
      parts.push(
        `(${alias}.${unit} = ANY(:vunits${i}::text[]) OR EXISTS (SELECT 1 FROM audit_units au WHERE au.tenant_id = ${alias}.tenant_id AND au.id = ${alias}.${unit} AND NOT au.deleted AND au.path && :vunits${i}::text[]))`,
      );
      q.setParameter(`vunits${i}`, s.units);
    }
    if (s.topicRegexes !== '*') {
      parts.push(`${alias}.${topic} ~ ANY(:vtopics${i}::text[])`);
      q.setParameter(`vtopics${i}`, s.topicRegexes);
    }
    return parts.length ? `(${parts.join(' AND ')})` : 'TRUE';
  });
  q.andWhere(`(${clauses.join(' OR ')})`);
}
