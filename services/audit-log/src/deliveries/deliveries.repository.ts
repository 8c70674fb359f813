import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Cursor } from '@hookline/persistence';
import type { AttemptRow, DeliveryRowPatch } from './delivery-projection';

export interface DeliveryFilter {
  receiverId?: string;
  topic?: string;
  status?: string;
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

const PATCH_COLUMNS = `id uuid, tenant_id text, kind text, created_at timestamptz, event_id uuid, topic text, receiver_id text,
  receiver_name text, url text, unit text, body text, status text, status_seq bigint, status_reason text,
  next_attempt_at timestamptz, attempts int, last_status_code int, last_error_class text, last_attempt_at timestamptz, last_attempt_seq bigint`;

/**
 * The webhook log. Writes are whole batches in one statement each (the projection is
 * on the hot path of every delivery); a fact replaces what is stored only if newer.
 */
@Injectable()
export class DeliveriesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async apply(deliveries: DeliveryRowPatch[], attempts: AttemptRow[]): Promise<void> {
    if (deliveries.length > 0) {
      await this.ds.query(
        `INSERT INTO deliveries AS d (id, tenant_id, kind, created_at, event_id, topic, receiver_id, receiver_name, url, unit, body,
            status, status_seq, status_reason, next_attempt_at, attempts, last_status_code, last_error_class, last_attempt_at, last_attempt_seq)
         SELECT id, tenant_id, kind, created_at, event_id, topic, receiver_id, receiver_name, url, unit, body,
            COALESCE(status, 'pending'), status_seq, status_reason, next_attempt_at, attempts, last_status_code, last_error_class, last_attempt_at, last_attempt_seq
         FROM jsonb_to_recordset($1::jsonb) AS x(${PATCH_COLUMNS})
         ON CONFLICT (id) DO UPDATE SET
           created_at = LEAST(d.created_at, EXCLUDED.created_at),
           event_id = COALESCE(d.event_id, EXCLUDED.event_id),
           topic = COALESCE(d.topic, EXCLUDED.topic),
           receiver_id = COALESCE(d.receiver_id, EXCLUDED.receiver_id),
           receiver_name = COALESCE(d.receiver_name, EXCLUDED.receiver_name),
           url = COALESCE(d.url, EXCLUDED.url),
           unit = COALESCE(d.unit, EXCLUDED.unit),
           body = COALESCE(d.body, EXCLUDED.body),
           status = CASE WHEN EXCLUDED.status_seq > d.status_seq THEN EXCLUDED.status ELSE d.status END,
           status_reason = CASE WHEN EXCLUDED.status_seq > d.status_seq THEN EXCLUDED.status_reason ELSE d.status_reason END,
           next_attempt_at = CASE WHEN EXCLUDED.status_seq > d.status_seq THEN EXCLUDED.next_attempt_at ELSE d.next_attempt_at END,
           status_seq = GREATEST(d.status_seq, EXCLUDED.status_seq),
           attempts = GREATEST(d.attempts, EXCLUDED.attempts),
           last_status_code = CASE WHEN EXCLUDED.last_attempt_seq > d.last_attempt_seq THEN EXCLUDED.last_status_code ELSE d.last_status_code END,
           last_error_class = CASE WHEN EXCLUDED.last_attempt_seq > d.last_attempt_seq THEN EXCLUDED.last_error_class ELSE d.last_error_class END,
           last_attempt_at = CASE WHEN EXCLUDED.last_attempt_seq > d.last_attempt_seq THEN EXCLUDED.last_attempt_at ELSE d.last_attempt_at END,
           last_attempt_seq = GREATEST(d.last_attempt_seq, EXCLUDED.last_attempt_seq),
           updated_at = now()`,
        [JSON.stringify(deliveries.map((d) => ({ ...d, status: d.status_seq > 0 ? d.status : null })))],
      );
    }
    if (attempts.length > 0) {
      await this.ds.query(
        `INSERT INTO delivery_attempts (delivery_id, attempt, tenant_id, at, ok, duration_ms, status_code, error_class, error, request_headers, response_body, response_truncated, manual)
         SELECT delivery_id, attempt, tenant_id, at, ok, duration_ms, status_code, error_class, error, request_headers, response_body, response_truncated, manual
         FROM jsonb_to_recordset($1::jsonb) AS x(delivery_id uuid, attempt int, tenant_id text, at timestamptz, ok boolean, duration_ms int,
           status_code int, error_class text, error text, request_headers jsonb, response_body text, response_truncated boolean, manual boolean)
         ON CONFLICT (delivery_id, attempt) DO NOTHING`,
        [JSON.stringify(attempts)],
      );
    }
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(tenantId: string, f: DeliveryFilter, limit: number, after?: Cursor): Promise<DeliveryRow[]> {
    const where = ['tenant_id = $1'];
    const params: unknown[] = [tenantId];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.receiverId) add('receiver_id = ?', f.receiverId);
    if (f.topic) add('topic = ?', f.topic);
    if (f.status) add('status = ?', f.status);
    if (f.kind) add('kind = ?', f.kind);
    if (f.from) add('created_at >= ?', f.from);
    if (f.to) add('created_at < ?', f.to);
    if (after) {
      params.push(after.at, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit);
    return this.ds.query(
      `SELECT id, tenant_id, kind, event_id, topic, receiver_id, receiver_name, url, unit, status, status_reason, next_attempt_at, attempts,
              last_status_code, last_error_class, last_attempt_at, created_at, updated_at
       FROM deliveries WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  async findOne(tenantId: string, id: string): Promise<DeliveryRow | undefined> {
    const rows: DeliveryRow[] = await this.ds.query('SELECT * FROM deliveries WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return rows[0];
  }

  async attempts(tenantId: string, deliveryId: string): Promise<AttemptRecord[]> {
    return this.ds.query('SELECT * FROM delivery_attempts WHERE tenant_id = $1 AND delivery_id = $2 ORDER BY attempt', [tenantId, deliveryId]);
  }
}
