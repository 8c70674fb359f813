// Each listener's request log, kept as a ring of its keepLogs newest entries, newest by
// write order (the sequence number a write is handed), not by request time: an entry that
// waited for its apply is numbered after requests that came later, and the window holds
// the keepLogs last written. A per-listener head (one row) hands out the sequence numbers,
// many at a time. An entry written while keepLogs is K goes to slot ringBase(K) + seq % K:
// writing entry n+K replaces entry n, so the log never grows past what is kept and no
// request costs a DELETE. Each keepLogs value has a range of slots of its own, so after a
// change the new writes never land on entries written under the old value: those stay
// while they are among the newest keepLogs (the read selects by sequence number, not by
// slot), and the retention sweep's trim deletes them once they are not.
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { ListenerRequestLog } from '@hookline/contracts';
import { storableText } from '@hookline/persistence';

export interface LogEntry extends ListenerRequestLog {
  tenantId: string;
  listenerId: string;
  /** The listener's keepLogs when the entry is written. */
  keep: number;
}

/**
 * The first slot of the range of a keepLogs value K: K(K+1)/2, so that the ranges
 * [K(K+1)/2, K(K+1)/2 + K) of different values are disjoint, and disjoint from [0, K), where
 * rows written before the ranges were (slot = seq % K) lie. Fits the integer slot column
 * for K up to 65,000 (keepLogs is at most 10,000).
 */
export function ringBase(keep: number): number {
  return (keep * (keep + 1)) / 2;
}

export interface LogRow {
  listener_id: string;
  seq: string;
  tenant_id: string;
  request_id: string | null;
  at: Date;
  method: string;
  path: string;
  status: number;
  state: 'success' | 'error';
  error: string | null;
  duration_ms: number;
  size: number;
  records: number;
  body: string | null;
}

export interface LogQuery {
  /** The listeners to read, each with its keepLogs. */
  listeners: { id: string; keep: number }[];
  state?: 'success' | 'error';
  limit: number;
  after?: { at: string; listenerId: string; seq: string };
}

@Injectable()
export class LogsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Writes the entries in the caller's transaction (the apply's), or in one of their own:
   * the head and the rows together, so a refused write leaves no gap in the numbering
   * (a gap would hide older entries the ring still holds).
   */
  async append(entries: LogEntry[], em?: EntityManager): Promise<void> {
    if (entries.length === 0) return;
    if (!em) return this.dataSource.transaction((own) => this.append(entries, own));
    const byListener = new Map<string, LogEntry[]>();
    for (const e of entries) {
      const list = byListener.get(e.listenerId);
      if (list) list.push(e);
      else byListener.set(e.listenerId, [e]);
    }
    // One keepLogs per listener for the whole write, its newest entry's (the newest view of
    // the listener): entries of one listener in two ranges could otherwise share a slot in
    // one statement. More entries than the ring holds: only the newest fit.
    const keepOf = new Map<string, number>();
    for (const [id, list] of byListener) {
      const keep = list[list.length - 1].keep;
      keepOf.set(id, keep);
      if (list.length > keep) byListener.set(id, list.slice(-keep));
    }
    // The heads are locked in one order (their ids sorted) by every writer: two writes of
    // the same listeners (two replicas' applies, an apply and the buffer's flush) would
    // otherwise lock them in opposite orders and deadlock.
    const ids = [...byListener.keys()].sort();
    const heads: { listener_id: string; next_seq: string }[] = await em.query(
      `INSERT INTO listener_log_heads (listener_id, next_seq) SELECT * FROM unnest($1::uuid[], $2::bigint[])
       ON CONFLICT (listener_id) DO UPDATE SET next_seq = listener_log_heads.next_seq + EXCLUDED.next_seq RETURNING listener_id, next_seq`,
      [ids, ids.map((id) => (byListener.get(id) as LogEntry[]).length)],
    );
    const rows: Record<string, unknown>[] = [];
    for (const h of heads) {
      const list = byListener.get(h.listener_id) as LogEntry[];
      const keep = keepOf.get(h.listener_id) as number;
      const last = BigInt(h.next_seq);
      list.forEach((e, i) => {
        const seq = last - BigInt(list.length - 1 - i);
        rows.push({
          listener_id: e.listenerId,
          slot: ringBase(keep) + Number(seq % BigInt(keep)),
          seq: seq.toString(),
          tenant_id: e.tenantId,
          // Text from the request (and errors quoting it) as PostgreSQL can store it: one
          // entry holding U+0000 would otherwise fail the whole statement.
          request_id: storableText(e.requestId),
          at: e.at,
          method: storableText(e.method),
          path: storableText(e.path),
          status: e.status,
          state: e.state,
          error: typeof e.error === 'string' ? storableText(e.error) : null,
          duration_ms: Math.round(e.durationMs),
          size: e.size,
          records: e.records,
          body: typeof e.body === 'string' ? storableText(e.body) : null,
        });
      });
    }
    await em.query(
      `INSERT INTO listener_logs (listener_id, slot, seq, tenant_id, request_id, at, method, path, status, state, error, duration_ms, size, records, body)
       SELECT listener_id, slot, seq, tenant_id, request_id, at, method, path, status, state, error, duration_ms, size, records, body
       FROM jsonb_to_recordset($1::jsonb) AS x(listener_id uuid, slot integer, seq bigint, tenant_id text, request_id text, at timestamptz, method text, path text,
         status integer, state text, error text, duration_ms integer, size integer, records integer, body text)
       ON CONFLICT (listener_id, slot) DO UPDATE SET seq = EXCLUDED.seq, tenant_id = EXCLUDED.tenant_id, request_id = EXCLUDED.request_id, at = EXCLUDED.at,
         method = EXCLUDED.method, path = EXCLUDED.path, status = EXCLUDED.status, state = EXCLUDED.state, error = EXCLUDED.error,
         duration_ms = EXCLUDED.duration_ms, size = EXCLUDED.size, records = EXCLUDED.records, body = EXCLUDED.body`,
      [JSON.stringify(rows)],
    );
  }

  /** Newest first (by request time); only each listener's keepLogs newest entries (by sequence number). */
  async list(tenantId: string, q: LogQuery): Promise<LogRow[]> {
    if (q.listeners.length === 0) return [];
    const params: unknown[] = [tenantId, q.listeners.map((l) => l.id), q.listeners.map((l) => l.keep), q.limit];
    let where = '';
    if (q.state) {
      params.push(q.state);
      where += ` AND l.state = $${params.length}`;
    }
    if (q.after) {
      params.push(q.after.at, q.after.listenerId, q.after.seq);
      where += ` AND (l.at, l.listener_id, l.seq) < ($${params.length - 2}::timestamptz, $${params.length - 1}::uuid, $${params.length}::bigint)`;
    }
    return this.dataSource.query(
      `SELECT l.listener_id, l.seq::text AS seq, l.tenant_id, l.request_id, l.at, l.method, l.path, l.status, l.state, l.error, l.duration_ms, l.size, l.records, l.body
       FROM listener_logs l
       JOIN unnest($2::uuid[], $3::integer[]) AS k(listener_id, keep) ON k.listener_id = l.listener_id
       JOIN listener_log_heads h ON h.listener_id = l.listener_id
       WHERE l.tenant_id = $1 AND l.seq > h.next_seq - k.keep${where}
       ORDER BY l.at DESC, l.listener_id DESC, l.seq DESC
       LIMIT $4`,
      params,
    );
  }

  /**
   * Entries written under another keepLogs that are no longer among the newest `keep`
   * (those in the current range are overwritten in turn). Under the head's lock, taken
   * first as a write takes it, so a write of the listener cannot deadlock with the trim.
   */
  async trim(listenerId: string, keep: number): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      const [head]: { next_seq: string }[] = await em.query('SELECT next_seq FROM listener_log_heads WHERE listener_id = $1 FOR UPDATE', [listenerId]);
      if (!head) return 0;
      const base = ringBase(keep);
      const r: [unknown, number] = await em.query(
        'DELETE FROM listener_logs WHERE listener_id = $1 AND (slot < $2::integer OR slot >= $2::integer + $3::integer) AND seq <= $4::bigint - $3::integer',
        [listenerId, base, keep, head.next_seq],
      );
      return r[1] ?? 0;
    });
  }

  /** Everything of a deleted listener. */
  async forget(listenerId: string): Promise<void> {
    await this.dataSource.query('DELETE FROM listener_logs WHERE listener_id = $1', [listenerId]);
    await this.dataSource.query('DELETE FROM listener_log_heads WHERE listener_id = $1', [listenerId]);
  }
}
