// The webhook logs (seed: "Show Webhook logs"): every request to a tenant's listeners,
// newest first, filtered by listener name and by state (success, error, all); each
// listener keeps its keepLogs newest entries.
import { Injectable } from '@nestjs/common';
import type { Principal } from '@hookline/auth';
import { UUID_RE } from '@hookline/contracts';
import { authorize, tenantScope, ValidationError } from '@hookline/http';
import { decodeCursor, encodeCursor } from '@hookline/persistence';
import { ListenersViewProvider } from '../registry-view/listeners-view.provider';
import { LogsRepository, type LogRow } from './logs.repository';
import type { ListLogsQuery } from './dto/list-logs.query';

export interface LogView {
  listenerId: string;
  listener: string;
  seq: number;
  requestId: string | null;
  at: string;
  method: string;
  path: string;
  status: number;
  state: 'success' | 'error';
  error: string | null;
  durationMs: number;
  size: number;
  records: number;
  body: string | null;
}

@Injectable()
export class LogsService {
  constructor(
    private readonly repo: LogsRepository,
    private readonly views: ListenersViewProvider,
  ) {}

  async list(p: Principal, q: ListLogsQuery): Promise<{ data: LogView[]; nextCursor: string | null }> {
    const tenantId = tenantScope(p, q.tenant);
    authorize(p, 'listeners:read', {}, 'the whole tenant (listeners are tenant-wide)');
    const limit = q.limit ?? 50;
    let after: { at: string; listenerId: string; seq: string } | undefined;
    if (q.cursor !== undefined) {
      const c = decodeCursor(q.cursor);
      // A strict UUID: anything looser (36 dashes) reaches PostgreSQL's ::uuid cast and fails there.
      const m = c ? /^(.{36}):(\d{1,18})$/.exec(c.id) : null;
      if (!c || !m || !UUID_RE.test(m[1])) throw new ValidationError([{ field: 'cursor', message: 'is not a cursor returned by this API' }]);
      after = { at: c.at, listenerId: m[1], seq: m[2] };
    }
    let listeners = this.views.view.ofTenant(tenantId);
    if (q.listener !== undefined) listeners = listeners.filter((l) => l.name === q.listener);
    if (q.listenerId !== undefined) listeners = listeners.filter((l) => l.id === q.listenerId);
    const names = new Map(listeners.map((l) => [l.id, l.name]));
    const rows = await this.repo.list(tenantId, {
      listeners: listeners.map((l) => ({ id: l.id, keep: l.keepLogs })),
      ...(q.state && q.state !== 'all' ? { state: q.state } : {}),
      limit: limit + 1,
      after,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      data: page.map((r) => view(r, names.get(r.listener_id) ?? '')),
      nextCursor: rows.length > limit && last ? encodeCursor({ at: new Date(last.at).toISOString(), id: `${last.listener_id}:${last.seq}` }) : null,
    };
  }
}

function view(r: LogRow, listener: string): LogView {
  return {
    listenerId: r.listener_id,
    listener,
    seq: Number(r.seq),
    requestId: r.request_id || null,
    at: new Date(r.at).toISOString(),
    method: r.method,
    path: r.path,
    status: r.status,
    state: r.state,
    error: r.error,
    durationMs: r.duration_ms,
    size: r.size,
    records: r.records,
    body: r.body,
  };
}
