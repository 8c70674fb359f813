// The integration log is the delivery log's rows of kind "integration": the facts the
// trigger recorded (who, which integration, page, object ids) are in `context`, the
// request and the answer in the attempts.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { IntegrationJobState } from '@hookline/contracts';
import type { Cursor } from '@hookline/persistence';
import type { AttemptRecord, DeliveryRow } from '../deliveries/deliveries.repository';

export interface IntegrationLogFilter {
  integration?: string;
  /** A user id, or an account id (requests made by the account itself or by users through it). */
  user?: string;
  state?: IntegrationJobState;
  from?: Date;
  to?: Date;
}

/** The job states as conditions on the log's columns (jobStatusOf in @hookline/contracts, in SQL). */
const STATE_SQL: Record<IntegrationJobState, string> = {
  scheduled: `d.status IN ('pending', 'scheduled') AND d.attempts = 0`,
  sending: `d.status IN ('pending', 'scheduled') AND d.attempts > 0`,
  succeeded: `d.status = 'succeeded'`,
  failed: `d.status IN ('failed', 'cancelled', 'purged', 'filtered')`,
};

const KIND = 'integration';

@Injectable()
export class IntegrationJobsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async list(tenantId: string, f: IntegrationLogFilter, limit: number, after?: Cursor): Promise<DeliveryRow[]> {
    const q = this.ds.createQueryBuilder().select('d.*').from('deliveries', 'd').where('d.tenant_id = :tenantId AND d.kind = :kind', { tenantId, kind: KIND });
    if (f.integration) q.andWhere('d.target_id = :integration', { integration: f.integration });
    if (f.user) {
      q.andWhere(`(d.context->'triggeredBy'->>'userId' = :user OR d.context->'triggeredBy'->>'accountId' = :user)`, { user: f.user });
    }
    if (f.state) q.andWhere(STATE_SQL[f.state]);
    if (f.from) q.andWhere('d.created_at >= :from', { from: f.from });
    if (f.to) q.andWhere('d.created_at < :to', { to: f.to });
    if (after) q.andWhere('(d.created_at, d.id) < (:at::timestamptz, :cid::uuid)', { at: after.at, cid: after.id });
    return q.orderBy('d.created_at', 'DESC').addOrderBy('d.id', 'DESC').limit(limit).getRawMany<DeliveryRow>();
  }

  async find(tenantId: string, id: string): Promise<DeliveryRow | undefined> {
    const rows: DeliveryRow[] = await this.ds.query('SELECT * FROM deliveries WHERE tenant_id = $1 AND id = $2 AND kind = $3', [tenantId, id, KIND]);
    return rows[0];
  }

  attempts(tenantId: string, id: string): Promise<AttemptRecord[]> {
    return this.ds.query('SELECT * FROM delivery_attempts WHERE tenant_id = $1 AND delivery_id = $2 ORDER BY attempt', [tenantId, id]);
  }
}
