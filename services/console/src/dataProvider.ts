// react-admin's data provider over Hookline's REST API: lists page with the API's cursors
// (react-admin's partial pagination: previous / next, no totals), filters are the API's
// query parameters, creates and updates send only what the form holds, and what a create
// or update shows once (a secret, credentials, a token) goes to the screen's `meta.onSecret`
// instead of react-admin's cache.
import type { DataProvider, GetListParams, RaRecord } from 'react-admin';
import { api } from './api/client';
import { CursorBook, listKey } from './api/cursors';
import type { Page } from './api/types';
import { resourceDef, unwrap, withId } from './resources';

export const cursors = new CursorBook();

export interface SecretMeta {
  onSecret?: (extras: Record<string, unknown>) => void;
  /** Query parameters an update or delete needs besides the tenant. */
  query?: Record<string, string>;
}

function cleanFilter(filter: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(filter ?? {})) {
    if (v === undefined || v === null || v === '') continue;
    out[k] = v instanceof Date ? v.toISOString() : String(v);
  }
  return out;
}

const enc = encodeURIComponent;

async function getList(resource: string, params: GetListParams) {
  const def = resourceDef(resource);
  const perPage = params.pagination?.perPage ?? 25;
  const page = params.pagination?.page ?? 1;
  const filter = cleanFilter(params.filter);
  const key = listKey(resource, filter, perPage);
  let cursor = cursors.cursorFor(key, page);
  // A page not reached through "next" (the filter changed under it): start again at the first.
  const effectivePage = cursor === undefined ? 1 : page;
  if (cursor === undefined) cursor = null;
  const answer = await api<Page<Record<string, unknown>>>('GET', def.path, {
    query: { ...filter, limit: perPage, cursor: cursor ?? undefined },
    tenant: def.tenantScoped === false ? 'none' : 'query',
  });
  cursors.remember(key, effectivePage, answer.nextCursor);
  return {
    data: answer.data.map((r) => withId(def, r)) as RaRecord[],
    pageInfo: { hasNextPage: !!answer.nextCursor, hasPreviousPage: effectivePage > 1 },
  };
}

export const dataProvider: DataProvider = {
  getList: getList as DataProvider['getList'],

  async getOne(resource, params) {
    const def = resourceDef(resource);
    const r = await api<Record<string, unknown>>('GET', `${def.path}/${enc(String(params.id))}`, { tenant: def.tenantScoped === false ? 'none' : 'query' });
    return { data: withId(def, unwrap(def, r).record) as never };
  },

  async getMany(resource, params) {
    // The API has no batch read: one GET each (lists show few references per page); a reference gone is left out.
    const settled = await Promise.allSettled(params.ids.map((id) => dataProvider.getOne(resource, { id })));
    return { data: settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.data] : [])) as never };
  },

  async getManyReference(resource, params) {
    const r = await getList(resource, { ...params, filter: { ...params.filter, [params.target]: params.id } });
    return r as never;
  },

  async create(resource, params) {
    const def = resourceDef(resource);
    const meta = (params.meta ?? {}) as SecretMeta;
    const answer = await api<Record<string, unknown>>('POST', def.path, { body: params.data, tenant: def.tenantOnCreate ?? 'body' });
    const { record, extras } = unwrap(def, answer);
    if (extras) meta.onSecret?.(extras);
    cursors.clear();
    return { data: withId(def, record) as never };
  },

  async update(resource, params) {
    const def = resourceDef(resource);
    const meta = (params.meta ?? {}) as SecretMeta;
    // Only what changed: the API refuses fields a route does not take, and `null` clears.
    const changed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(params.data)) {
      if (k === 'id') continue;
      if (JSON.stringify(v) !== JSON.stringify((params.previousData as Record<string, unknown>)?.[k])) changed[k] = v === '' ? null : v;
    }
    // Nothing changed: nothing to send (the API refuses an empty PATCH).
    if (Object.keys(changed).length === 0) return { data: params.previousData as never };
    const answer = await api<Record<string, unknown>>('PATCH', `${def.path}/${enc(String(params.id))}`, {
      body: changed,
      query: meta.query,
      tenant: def.tenantScoped === false ? 'none' : 'query',
    });
    const { record, extras } = unwrap(def, answer);
    if (extras) meta.onSecret?.(extras);
    return { data: withId(def, record) as never };
  },

  async updateMany() {
    throw new Error('not supported: change one at a time');
  },

  async delete(resource, params) {
    const def = resourceDef(resource);
    const answer = await api<Record<string, unknown> | undefined>('DELETE', `${def.path}/${enc(String(params.id))}`, { tenant: def.tenantScoped === false ? 'none' : 'query' });
    cursors.clear();
    return { data: (answer && typeof answer === 'object' ? withId(def, unwrap(def, answer).record) : params.previousData) as never };
  },

  async deleteMany(resource, params) {
    for (const id of params.ids) await dataProvider.delete(resource, { id });
    return { data: params.ids };
  },
};
