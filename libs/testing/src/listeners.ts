// Test helpers for inbound listeners: a tenant with a listener service, a listener with
// generated tables, sending requests to /hooks/…, and waiting for records to be applied.
import assert from 'node:assert/strict';
import type { ApiClient } from './api-client';
import { eventually } from './assertions';

export interface TestListener {
  tenant: string;
  serviceId: string;
  id: string;
  name: string;
  path: string;
  token?: string;
  signingSecret?: string;
  body: any;
}

export async function listenerTenant(operator: ApiClient, tenant: string): Promise<{ serviceId: string }> {
  const t = await operator.post('/v1/tenants', { id: tenant, name: tenant });
  assert.equal(t.status, 201, t.text);
  const s = await operator.post('/v1/listener-services', { tenant, name: 'CRM' });
  assert.equal(s.status, 201, s.text);
  return { serviceId: s.body.id };
}

/** Creates a listener with tables generated from `sample` (accepted as proposed). */
export async function createListener(
  operator: ApiClient,
  tenant: string,
  serviceId: string,
  opts: { name: string; sample: unknown; baseName?: string; rootPath?: string; primaryKey?: string[]; settings?: Record<string, unknown> },
): Promise<TestListener> {
  const gen = await operator.post('/v1/listeners/generate-tables', {
    tenant,
    sample: opts.sample,
    baseName: opts.baseName ?? opts.name,
    ...(opts.rootPath !== undefined ? { rootPath: opts.rootPath } : {}),
    ...(opts.primaryKey ? { primaryKey: opts.primaryKey } : {}),
  });
  assert.equal(gen.status, 200, gen.text);
  const res = await operator.post('/v1/listeners', { tenant, serviceId, name: opts.name, structure: gen.body.structure, ...opts.settings });
  assert.equal(res.status, 201, res.text);
  return {
    tenant,
    serviceId,
    id: res.body.listener.id,
    name: opts.name,
    path: res.body.listener.path,
    ...(res.body.token ? { token: res.body.token } : {}),
    ...(res.body.signingSecret ? { signingSecret: res.body.signingSecret } : {}),
    body: res.body,
  };
}

/** Every record of a listener (all pages). */
export async function allRecords(operator: ApiClient, l: { tenant: string; id: string }, filter = ''): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const res: { status: number; text: string; body: any } = await operator.get(`/v1/listener-records/${l.id}?tenant=${l.tenant}&limit=500${filter}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(res.status, 200, res.text);
    out.push(...res.body.data);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

/** Waits until the listener's records satisfy `ok` (changes are applied a moment after the 202). */
export async function recordsWhen(operator: ApiClient, l: { tenant: string; id: string }, ok: (records: any[]) => boolean, what: string, timeoutMs = 20_000): Promise<any[]> {
  return eventually(what, async () => {
    const r = await allRecords(operator, l);
    return ok(r) ? r : undefined;
  }, timeoutMs);
}
