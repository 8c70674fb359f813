// GET /v1/listener-records/<listenerId>: the records a listener stored, newest change
// first, filtered by key and by last_modified, each root row with its child rows.
import { Injectable } from '@nestjs/common';
import type { Principal } from '@hookline/auth';
import { LAST_MODIFIED_COLUMN, tenantSchema, UUID_RE, type ListenerStructure } from '@hookline/contracts';
import { authorize, NotFoundError, tenantScope, ValidationError, type FieldProblem } from '@hookline/http';
import { canonicalKey, coerce, keyTypes, type Row } from '@hookline/listener-tables';
import { decodeCursor, encodeCursor } from '@hookline/persistence';
import { ListenersViewProvider } from '../registry-view/listeners-view.provider';
import { RecordsRepository } from './records.repository';

export interface RecordsQuery {
  tenant?: string;
  limit: number;
  cursor?: string;
  modifiedFrom?: string;
  modifiedTo?: string;
  /** key.<column>=value filters. */
  key: Record<string, string>;
}

export interface RecordView {
  row: Row;
  /** Child table name -> its rows for this record (with their position columns), in order. */
  children: Record<string, Row[]>;
}

/** pg hands numeric back as text to keep its precision; a value that survives the trip becomes a JSON number. */
function jsonValue(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) {
    const n = Number(v);
    if (Number.isFinite(n) && String(n) === v) return n;
  }
  return v;
}

function numericColumns(s: ListenerStructure): Set<string> {
  return new Set(s.tables.flatMap((t) => t.columns.filter((c) => c.type === 'numeric').map((c) => c.name)).concat(s.primaryKey.filter((_, i) => keyTypes(s)[i] === 'numeric')));
}

@Injectable()
export class RecordsService {
  constructor(
    private readonly repo: RecordsRepository,
    private readonly views: ListenersViewProvider,
  ) {}

  async list(p: Principal, listenerId: string, q: RecordsQuery): Promise<{ listener: { id: string; name: string; tables: string[] }; data: RecordView[]; nextCursor: string | null }> {
    const tenantId = tenantScope(p, q.tenant);
    authorize(p, 'listeners:read', {}, 'the whole tenant (listeners are tenant-wide)');
    let l = UUID_RE.test(listenerId) ? this.views.view.listener(tenantId, listenerId) : undefined;
    if (!l && UUID_RE.test(listenerId)) {
      await this.views.upToDate().catch(() => undefined);
      l = this.views.view.listener(tenantId, listenerId);
    }
    if (!l) throw new NotFoundError(`listener ${listenerId}`);
    const s = l.structure;
    if (!s) return { listener: { id: l.id, name: l.name, tables: [] }, data: [], nextCursor: null };
    const types = keyTypes(s);
    const problems: FieldProblem[] = [];
    const key: Row = Object.create(null);
    for (const [col, raw] of Object.entries(q.key)) {
      const i = s.primaryKey.indexOf(col);
      if (i < 0) {
        problems.push({ field: `key.${col}`, message: `is not a key column (the key is ${s.primaryKey.join(', ')})` });
        continue;
      }
      const c = coerce(types[i], types[i] === 'boolean' ? raw === 'true' ? true : raw === 'false' ? false : raw : raw);
      if (!c.ok) problems.push({ field: `key.${col}`, message: c.message });
      else key[col] = c.value;
    }
    let after: { lastModified: string; key: unknown[] } | undefined;
    if (q.cursor !== undefined) {
      const c = decodeCursor(q.cursor);
      let parsed: unknown;
      try {
        parsed = c ? JSON.parse(c.id) : undefined;
      } catch {
        parsed = undefined;
      }
      const fits = Array.isArray(parsed) && parsed.length === s.primaryKey.length && parsed.every((v, i) => v !== null && coerce(types[i], v).ok);
      if (!c || !fits) problems.push({ field: 'cursor', message: 'is not a cursor returned by this API' });
      else after = { lastModified: c.at, key: parsed as unknown[] };
    }
    if (problems.length > 0) throw new ValidationError(problems);
    const schema = tenantSchema(tenantId);
    const rows = await this.repo.roots(schema, s, { key, modifiedFrom: q.modifiedFrom, modifiedTo: q.modifiedTo, after, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    const numeric = numericColumns(s);
    const clean = (r: Row): Row => {
      const out: Row = {};
      for (const [k, v] of Object.entries(r)) Object.defineProperty(out, k, { value: numeric.has(k) ? jsonValue(v) : v instanceof Date ? v.toISOString() : v, enumerable: true, writable: true, configurable: true });
      return out;
    };
    const data: RecordView[] = page.map((r) => ({ row: clean(r), children: {} }));
    if (page.length > 0) {
      // Rows meet their record by its key in canonical form (a timestamptz key to the
      // microsecond, as the repository hands it back): String(Date) would cut it to the second.
      const recordKey = (r: Row, cols: readonly string[]) => JSON.stringify(cols.map((k, i) => canonicalKey(types[i], r[k])));
      const keys = page.map((r) => Object.fromEntries(s.primaryKey.map((k) => [k, r[k]])));
      const index = new Map(page.map((r, i) => [recordKey(r, s.primaryKey), i]));
      for (const t of s.tables.slice(1)) {
        for (const d of data) d.children[t.name] = [];
        const kc = t.keyColumns ?? [];
        for (const c of await this.repo.children(schema, s, t, keys)) {
          const i = index.get(recordKey(c, kc));
          if (i === undefined) continue;
          const row = clean(c);
          for (const k of kc) delete row[k];
          data[i].children[t.name].push(row);
        }
      }
    }
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > q.limit && last
        ? encodeCursor({ at: (last[LAST_MODIFIED_COLUMN] as Date).toISOString(), id: JSON.stringify(s.primaryKey.map((k) => (last[k] instanceof Date ? (last[k] as Date).toISOString() : last[k]))) })
        : null;
    return { listener: { id: l.id, name: l.name, tables: s.tables.map((t) => t.name) }, data, nextCursor };
  }
}
