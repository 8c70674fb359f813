import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DispatchOrder } from '@hookline/contracts';
import { leaseHeld, type Lease } from '../leadership/lease.repository';
import { latestParks, type Park } from './parked-batch';

export interface ScheduledRow {
  delivery_id: string;
  tenant_id: string;
  kind: string;
  target_id: string;
  attempt: number;
  created_at: Date;
  dispatch_order: DispatchOrder;
}

const ROW = 'delivery_id, tenant_id, kind, target_id, attempt, created_at, dispatch_order';

/** The agenda of retries. Every method names the tenant unless it works across all of them by design (the poller). */
@Injectable()
export class ScheduleRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Records the next attempt; an older or equal attempt never replaces a newer one. */
  async upsert(order: DispatchOrder, dueAt: Date): Promise<void> {
    await this.insertRows(
      [{ order, dueAt }],
      `DO UPDATE SET attempt = EXCLUDED.attempt, due_at = EXCLUDED.due_at, dispatch_order = EXCLUDED.dispatch_order
       WHERE delivery_schedule.attempt < EXCLUDED.attempt`,
    );
  }

  /**
   * Records parked orders, a batch in one statement: a newer park of the same attempt
   * moves its turn; an agenda row for a later attempt is never replaced. Parks of one
   * delivery within the batch are reduced first (`latestParks`), by the same rule.
   */
  async upsertParked(parks: readonly Park[]): Promise<void> {
    await this.insertRows(
      latestParks(parks),
      `DO UPDATE SET due_at = EXCLUDED.due_at, dispatch_order = EXCLUDED.dispatch_order
       WHERE delivery_schedule.attempt = EXCLUDED.attempt
         AND COALESCE((delivery_schedule.dispatch_order->>'parked')::int, 0) < COALESCE((EXCLUDED.dispatch_order->>'parked')::int, 0)`,
    );
  }

  /** Agenda rows for the orders, in one statement, with `onConflict` deciding what an existing row for a delivery keeps (at most one order per delivery). */
  private async insertRows(rows: readonly Park[], onConflict: string): Promise<void> {
    if (rows.length === 0) return;
    await this.ds.query(
      `INSERT INTO delivery_schedule (delivery_id, tenant_id, target_id, kind, attempt, due_at, created_at, dispatch_order)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::timestamptz[], $8::jsonb[])
       ON CONFLICT (delivery_id) ${onConflict}`,
      [
        rows.map((p) => p.order.deliveryId),
        rows.map((p) => p.order.tenantId),
        rows.map((p) => p.order.target),
        rows.map((p) => p.order.kind),
        rows.map((p) => p.order.attempt),
        rows.map((p) => p.dueAt),
        rows.map((p) => p.order.createdAt),
        rows.map((p) => JSON.stringify(p.order)),
      ],
    );
  }

  /**
   * Takes up to `limit` due rows and hands them to `publish` inside one transaction:
   * rows are deleted only if every publish succeeded, so a crash in between repeats the
   * publish (deduplicated by its msg id) instead of losing the retry. Only the holder of
   * `lease` takes anything (the active instance: see Leadership); SKIP LOCKED keeps even
   * two instances that both believe they hold it from taking the same row.
   */
  async takeDue(now: Date, limit: number, lease: Lease, publish: (rows: ScheduledRow[]) => Promise<void>): Promise<number> {
    return this.ds.transaction(async (em) => {
      const rows: ScheduledRow[] = await em.query(
        `WITH taken AS (
           DELETE FROM delivery_schedule WHERE delivery_id IN (
             SELECT delivery_id FROM delivery_schedule WHERE due_at <= $1 AND ${leaseHeld(3)} ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)
           RETURNING ${ROW})
         SELECT * FROM taken`,
        [now, limit, lease.name, lease.holder],
      );
      if (rows.length > 0) await publish(rows);
      return rows.length;
    });
  }

  /**
   * Takes up to `limit` waiting deliveries of an expiring kind created at or before their
   * tenant's cutoff (now minus its expiry; `defaultCutoff` for tenants without a setting
   * of their own) and hands them to `purge` in one transaction, as takeDue does: they
   * are gone only if every fact about their deletion was published. Only the holder of
   * `lease` takes anything.
   */
  async takeExpired(kind: string, cutoffs: { tenantId: string; cutoff: Date }[], defaultCutoff: Date, limit: number, lease: Lease, purge: (rows: ScheduledRow[]) => Promise<void>): Promise<number> {
    return this.ds.transaction(async (em) => {
      const rows: ScheduledRow[] = await em.query(
        `WITH cutoffs AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x("tenantId" text, cutoff timestamptz)),
         taken AS (
           DELETE FROM delivery_schedule WHERE delivery_id IN (
             SELECT s.delivery_id FROM delivery_schedule s LEFT JOIN cutoffs c ON c."tenantId" = s.tenant_id
             WHERE s.kind = $4 AND s.created_at <= COALESCE(c.cutoff, $2) AND ${leaseHeld(5)}
             ORDER BY s.created_at LIMIT $3 FOR UPDATE OF s SKIP LOCKED)
           RETURNING ${ROW})
         SELECT * FROM taken`,
        [JSON.stringify(cutoffs), defaultCutoff, limit, kind, lease.name, lease.holder],
      );
      if (rows.length > 0) await purge(rows);
      return rows.length;
    });
  }

  /** Removes every waiting retry of a target (it is gone) and returns what was removed. */
  async removeForTarget(tenantId: string, kind: string, target: string): Promise<ScheduledRow[]> {
    return this.ds.query(
      `WITH removed AS (
         DELETE FROM delivery_schedule WHERE tenant_id = $1 AND kind = $2 AND target_id = $3 RETURNING ${ROW})
       SELECT * FROM removed`,
      [tenantId, kind, target],
    );
  }

  /** Drops waiting retries of deliveries that have succeeded meanwhile (a manual resend got through). */
  async removeDeliveries(deliveryIds: string[]): Promise<void> {
    if (deliveryIds.length > 0) await this.ds.query('DELETE FROM delivery_schedule WHERE delivery_id = ANY($1::uuid[])', [deliveryIds]);
  }

  async isScheduled(tenantId: string, deliveryId: string): Promise<boolean> {
    const r = await this.ds.query('SELECT 1 FROM delivery_schedule WHERE tenant_id = $1 AND delivery_id = $2', [tenantId, deliveryId]);
    return r.length > 0;
  }

  async count(tenantId: string): Promise<number> {
    const r = await this.ds.query('SELECT count(*)::int AS n FROM delivery_schedule WHERE tenant_id = $1', [tenantId]);
    return r[0].n;
  }

  /** The agenda's size per kind, and how many of its rows are due by `now`: across every tenant by design (the metrics). */
  async agendaByKind(now: Date): Promise<{ kind: string; size: number; due: number }[]> {
    return this.ds.query('SELECT kind, count(*)::int AS size, (count(*) FILTER (WHERE due_at <= $1))::int AS due FROM delivery_schedule GROUP BY kind', [now]);
  }
}
