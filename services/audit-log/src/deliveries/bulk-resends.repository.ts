import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '@hookline/auth';
import type { Cursor } from '@hookline/persistence';

/** The filter a bulk resend was asked for, as stored (dates as ISO strings). */
export interface BulkResendFilter {
  target?: string;
  kind?: string;
  topic?: string;
  status?: string;
  from?: string;
  to?: string;
}

export interface BulkResendRow {
  id: string;
  tenant_id: string;
  /** The principal that asked, with its grants then: the job resends only what it could. */
  requested_by: Principal;
  filter: BulkResendFilter;
  status: 'running' | 'done' | 'cancelled';
  total: number;
  sent: number;
  skipped: number;
  cursor_at: Date | null;
  cursor_id: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

/** Bulk resend jobs (audit-log): created by the API, worked through by BulkResendsWorker under a lease. */
@Injectable()
export class BulkResendsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Creates the job unless the tenant has one running, which is answered instead: one at a
   * time per tenant. A lock per tenant makes the look and the insert one step, so two
   * requests at once cannot both start one.
   */
  async createUnlessRunning(row: Pick<BulkResendRow, 'id' | 'tenant_id' | 'requested_by' | 'filter' | 'total'>): Promise<{ created: BulkResendRow } | { running: BulkResendRow }> {
    return this.ds.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`delivery-bulk-resend:${row.tenant_id}`]);
      const [running] = await em.query(`SELECT * FROM delivery_bulk_resends WHERE tenant_id = $1 AND status = 'running' ORDER BY created_at LIMIT 1`, [row.tenant_id]);
      if (running) return { running: running as BulkResendRow };
      const [created] = await em.query(
        `INSERT INTO delivery_bulk_resends (id, tenant_id, requested_by, filter, status, total) VALUES ($1, $2, $3, $4, 'running', $5) RETURNING *`,
        [row.id, row.tenant_id, JSON.stringify(row.requested_by), JSON.stringify(row.filter), row.total],
      );
      return { created: created as BulkResendRow };
    });
  }

  async get(tenantId: string, id: string): Promise<BulkResendRow | undefined> {
    const [row] = await this.ds.query('SELECT * FROM delivery_bulk_resends WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return row;
  }

  /** Takes a running job no other instance holds, for `leaseMs`. */
  async claim(leaseMs: number): Promise<BulkResendRow | undefined> {
    // TypeORM answers an UPDATE ... RETURNING with [rows, affected].
    const [rows] = await this.ds.query(
      `UPDATE delivery_bulk_resends SET lease_until = now() + make_interval(secs => $1::float8 / 1000), updated_at = now()
       WHERE id = (SELECT id FROM delivery_bulk_resends WHERE status = 'running' AND (lease_until IS NULL OR lease_until < now())
                   ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [leaseMs],
    );
    return (rows as BulkResendRow[])[0];
  }

  /** Records a page's progress and renews the lease. */
  async progress(tenantId: string, id: string, sent: number, skipped: number, cursor: Cursor, leaseMs: number): Promise<void> {
    await this.ds.query(
      `UPDATE delivery_bulk_resends SET sent = sent + $3, skipped = skipped + $4, cursor_at = $5, cursor_id = $6,
         lease_until = now() + make_interval(secs => $7::float8 / 1000), updated_at = now()
       WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, sent, skipped, cursor.at, cursor.id, leaseMs],
    );
  }

  /** Ends a job before its last page: whoever asked for it may no longer resend. */
  async cancel(tenantId: string, id: string): Promise<void> {
    await this.ds.query(`UPDATE delivery_bulk_resends SET status = 'cancelled', finished_at = now(), lease_until = NULL, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  }

  async finish(tenantId: string, id: string): Promise<void> {
    await this.ds.query(`UPDATE delivery_bulk_resends SET status = 'done', finished_at = now(), lease_until = NULL, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  }
}
