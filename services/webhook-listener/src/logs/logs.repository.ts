// Each listener's request log, kept as a ring of its keepLogs newest entries: an entry's
// slot is its sequence number modulo keepLogs, so writing entry n+keep replaces entry n.
// The log never grows past what is kept and no request costs a DELETE; a per-listener
// head (one row) hands out the sequence numbers, many at a time.
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { ListenerRequestLog } from '@hookline/contracts';
import { storableText } from './log-entries';

export interface LogEntry extends ListenerRequestLog {
  tenantId: string;
  listenerId: string;
  /** The listener's keepLogs when the entry is written. */
  keep: number;
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
    // More entries than a ring holds: only the newest fit.
    for (const [id, list] of byListener) if (list.length > list[list.length - 1].keep) byListener.set(id, list.slice(-list[list.length - 1].keep));
    const ids = [...byListener.keys()];
    const heads: { listener_id: string; next_seq: string }[] = await em.query(
      `INSERT INTO listener_log_heads (listener_id, next_seq) SELECT * FROM unnest($1::uuid[], $2::bigint[])
       ON CONFLICT (listener_id) DO UPDATE SET next_seq = listener_log_heads.next_seq + EXCLUDED.next_seq RETURNING listener_id, next_seq`,
      [ids, ids.map((id) => (byListener.get(id) as LogEntry[]).length)],
    );
    const rows: Record<string, unknown>[] = [];
    for (const h of heads) {
      const list = byListener.get(h.listener_id) as LogEntry[];
      const last = BigInt(h.next_seq);
      list.forEach((e, i) => {
        const seq = last - BigInt(list.length - 1 - i);
        rows.push({
          listener_id: e.listenerId,
          slot: Number(seq % BigInt(e.keep)),
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

  /** Newest first; only each listener's keepLogs newest entries. */
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
       WHERE l.tenant_id = $1 AND l.slot < k.keep AND l.seq > h.next_seq - k.keep${where}
       ORDER BY l.at DESC, l.listener_id DESC, l.seq DESC
       LIMIT $4`,
      params,
    );
  }

  /** Slots past a listener's (lowered) keepLogs. */
  async trim(listenerId: string, keep: number): Promise<number> {
    const r: [unknown, number] = await this.dataSource.query('DELETE FROM listener_logs WHERE listener_id = $1 AND slot >= $2', [listenerId, keep]);
    return r[1] ?? 0;
  }

  /** Everything of a deleted listener. */
  async forget(listenerId: string): Promise<void> {
    await this.dataSource.query('DELETE FROM listener_logs WHERE listener_id = $1', [listenerId]);
    await this.dataSource.query('DELETE FROM listener_log_heads WHERE listener_id = $1', [listenerId]);
  }
}
