import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Cursor } from '@hookline/persistence';
import { applyVisibility, type Visibility } from '../visibility';
import { jsonForPostgres } from '@hookline/persistence';
import type { AttemptRow, DeliveryRowPatch } from './delivery-projection';

export interface DeliveryFilter {
  target?: string;
  topic?: string;
  status?: string;
  /** Any of these statuses (bulk resends). */
  statuses?: readonly string[];
  kind?: string;
  from?: Date;
  to?: Date;
}

export interface DeliveryRow extends Omit<DeliveryRowPatch, 'created_at' | 'next_attempt_at' | 'last_attempt_at'> {
  created_at: Date;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  updated_at: Date;
}

export interface AttemptRecord extends Omit<AttemptRow, 'at'> {
  at: Date;
}

const LIST_COLUMNS = [
  'id', 'tenant_id', 'kind', 'event_id', 'topic', 'target_id', 'target_name', 'url', 'unit', 'context', 'status', 'status_reason',
  'next_attempt_at', 'attempts', 'last_status_code', 'last_error_class', 'last_attempt_at', 'created_at', 'updated_at',
];
const VISIBILITY_COLUMNS = { alias: 'd', unit: 'unit', topic: 'topic' };

const PATCH_COLUMNS = `id uuid, tenant_id text, kind text, created_at timestamptz, event_id uuid, topic text, target_id text,
  target_name text, url text, unit text, body text, context jsonb, status text, status_seq bigint, status_attempt int, status_reason text,
  next_attempt_at timestamptz, attempts int, last_status_code int, last_error_class text, last_attempt_at timestamptz, last_attempt_seq bigint`;

/**
 * Whether a patch's status replaces the stored one: it is newer, and it does not move the
 * delivery backwards (the rules in delivery-projection.ts): "pending" only fills a row
 * that has no status from a fact yet; "scheduled" is stale for an attempt already
 * recorded or after a success of the attempt before it or later; "failed" is stale after
 * a success at or beyond its count. EXCLUDED.attempts is the patch's own count, so a
 * batch that records the attempt counts.
 */
const TAKES_STATUS = `(EXCLUDED.status_seq > d.status_seq
  AND NOT (EXCLUDED.status = 'pending' AND d.status_seq > 0)
  AND NOT (EXCLUDED.status = 'scheduled' AND (EXCLUDED.status_attempt <= GREATEST(d.attempts, EXCLUDED.attempts)
           OR (d.status = 'succeeded' AND COALESCE(d.status_attempt, 0) >= EXCLUDED.status_attempt - 1)))
  AND NOT (EXCLUDED.status = 'failed' AND d.status = 'succeeded' AND COALESCE(d.status_attempt, 0) >= EXCLUDED.status_attempt))`;
// (A row written before status_attempt existed has none: COALESCE lets newer facts through.)

/**
 * The webhook log. Writes are whole batches in one statement each (the projection is
 * on the hot path of every delivery); a fact replaces what is stored only if newer.
 */
@Injectable()
export class DeliveriesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async apply(deliveries: DeliveryRowPatch[], attempts: AttemptRow[]): Promise<void> {
    // The attempts first: a reader who sees a delivery's new status (a success, say) then
    // finds the attempt that brought it, with what was sent. The other way round, a GET in
    // between showed a succeeded delivery with no attempt and no request headers.
    if (attempts.length > 0) {
      await this.ds.query(
        `INSERT INTO delivery_attempts (delivery_id, attempt, tenant_id, at, ok, duration_ms, status_code, error_class, error,
            method, url, request_headers, request_body, response_headers, response_body, response_truncated, manual)
         SELECT delivery_id, attempt, tenant_id, at, ok, duration_ms, status_code, error_class, error,
            method, url, request_headers, request_body, response_headers, response_body, response_truncated, manual
         FROM jsonb_to_recordset($1::jsonb) AS x(delivery_id uuid, attempt int, tenant_id text, at timestamptz, ok boolean, duration_ms int,
           status_code int, error_class text, error text, method text, url text, request_headers jsonb, request_body text, response_headers jsonb,
           response_body text, response_truncated boolean, manual boolean)
         ON CONFLICT (delivery_id, attempt) DO NOTHING`,
        [jsonForPostgres(attempts)],
      );
    }
    if (deliveries.length > 0) {
      await this.ds.query(
        `INSERT INTO deliveries AS d (id, tenant_id, kind, created_at, event_id, topic, target_id, target_name, url, unit, body, context,
            status, status_seq, status_attempt, status_reason, next_attempt_at, attempts, last_status_code, last_error_class, last_attempt_at, last_attempt_seq)
         SELECT id, tenant_id, kind, created_at, event_id, topic, target_id, target_name, url, unit, body, context,
            COALESCE(status, 'pending'), status_seq, status_attempt, status_reason, next_attempt_at, attempts, last_status_code, last_error_class, last_attempt_at, last_attempt_seq
         FROM jsonb_to_recordset($1::jsonb) AS x(${PATCH_COLUMNS})
         ON CONFLICT (id) DO UPDATE SET
           created_at = LEAST(d.created_at, EXCLUDED.created_at),
           event_id = COALESCE(d.event_id, EXCLUDED.event_id),
           topic = COALESCE(d.topic, EXCLUDED.topic),
           target_id = COALESCE(d.target_id, EXCLUDED.target_id),
           target_name = COALESCE(d.target_name, EXCLUDED.target_name),
           url = COALESCE(d.url, EXCLUDED.url),
           unit = COALESCE(d.unit, EXCLUDED.unit),
           body = COALESCE(d.body, EXCLUDED.body),
           context = COALESCE(d.context, EXCLUDED.context),
           status = CASE WHEN ${TAKES_STATUS} THEN EXCLUDED.status ELSE d.status END,
           status_reason = CASE WHEN ${TAKES_STATUS} THEN EXCLUDED.status_reason ELSE d.status_reason END,
           next_attempt_at = CASE WHEN ${TAKES_STATUS} THEN EXCLUDED.next_attempt_at ELSE d.next_attempt_at END,
           status_seq = CASE WHEN ${TAKES_STATUS} THEN EXCLUDED.status_seq ELSE d.status_seq END,
           status_attempt = CASE WHEN ${TAKES_STATUS} THEN EXCLUDED.status_attempt ELSE d.status_attempt END,
           attempts = GREATEST(d.attempts, EXCLUDED.attempts),
           last_status_code = CASE WHEN EXCLUDED.last_attempt_seq > d.last_attempt_seq THEN EXCLUDED.last_status_code ELSE d.last_status_code END,
           last_error_class = CASE WHEN EXCLUDED.last_attempt_seq > d.last_attempt_seq THEN EXCLUDED.last_error_class ELSE d.last_error_class END,
           last_attempt_at = CASE WHEN EXCLUDED.last_attempt_seq > d.last_attempt_seq THEN EXCLUDED.last_attempt_at ELSE d.last_attempt_at END,
           last_attempt_seq = GREATEST(d.last_attempt_seq, EXCLUDED.last_attempt_seq),
           updated_at = now()`,
        [jsonForPostgres(deliveries.map((d) => ({ ...d, status: d.status_seq > 0 ? d.status : null })))],
      );
    }
  }

  private filtered(tenantId: string, f: DeliveryFilter, visibility: Visibility) {
    const q = this.ds.createQueryBuilder().from('deliveries', 'd').where('d.tenant_id = :tenantId', { tenantId });
    applyVisibility(q, visibility, VISIBILITY_COLUMNS);
    if (f.target) q.andWhere('d.target_id = :target', { target: f.target });
    if (f.topic) q.andWhere('d.topic = :topic', { topic: f.topic });
    if (f.status) q.andWhere('d.status = :status', { status: f.status });
    if (f.statuses) q.andWhere('d.status = ANY(:statuses::text[])', { statuses: f.statuses });
    if (f.kind) q.andWhere('d.kind = :kind', { kind: f.kind });
    if (f.from) q.andWhere('d.created_at >= :from', { from: f.from });
    if (f.to) q.andWhere('d.created_at < :to', { to: f.to });
    return q;
  }

  /** Newest first, keyset-paginated on (created_at, id), limited to what the reader may see. */
  async list(tenantId: string, f: DeliveryFilter, limit: number, after?: Cursor, visibility: Visibility = '*', withBody = false): Promise<DeliveryRow[]> {
    const q = this.filtered(tenantId, f, visibility)
      // Aliased: TypeORM maps an ORDER BY that names a plain selection through entity metadata, which a raw table has none of.
      .select([...LIST_COLUMNS, ...(withBody ? ['body'] : [])].map((c) => `d.${c} AS "${c}"`));
    if (after) q.andWhere('(d.created_at, d.id) < (:at::timestamptz, :cid::uuid)', { at: after.at, cid: after.id });
    return q.orderBy('d.created_at', 'DESC').addOrderBy('d.id', 'DESC').limit(limit).getRawMany<DeliveryRow>();
  }

  /** How many deliveries match, per kind and topic (what a bulk resend may touch, before permissions). */
  async countByKindAndTopic(tenantId: string, f: DeliveryFilter, visibility: Visibility): Promise<{ kind: string; topic: string | null; n: number }[]> {
    const rows = await this.filtered(tenantId, f, visibility)
      .andWhere('d.body IS NOT NULL AND d.target_id IS NOT NULL')
      .select(['d.kind AS kind', 'd.topic AS topic', 'count(*)::int AS n'])
      .groupBy('d.kind')
      .addGroupBy('d.topic')
      .getRawMany<{ kind: string; topic: string | null; n: number }>();
    return rows;
  }

  async findOne(tenantId: string, id: string, visibility: Visibility = '*'): Promise<DeliveryRow | undefined> {
    const q = this.ds.createQueryBuilder().select('d.*').from('deliveries', 'd').where('d.tenant_id = :tenantId AND d.id = :id', { tenantId, id });
    applyVisibility(q, visibility, VISIBILITY_COLUMNS);
    return q.getRawOne<DeliveryRow>();
  }

  /** The log's rows for these deliveries, whatever their tenants (for the live updates of what a batch recorded). */
  async findMany(ids: readonly string[]): Promise<DeliveryRow[]> {
    if (ids.length === 0) return [];
    return this.ds.query('SELECT * FROM deliveries WHERE id = ANY($1::uuid[])', [ids]);
  }

  async attempts(tenantId: string, deliveryId: string): Promise<AttemptRecord[]> {
    return this.ds.query('SELECT * FROM delivery_attempts WHERE tenant_id = $1 AND delivery_id = $2 ORDER BY attempt', [tenantId, deliveryId]);
  }
}
