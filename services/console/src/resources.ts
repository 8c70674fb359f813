// One table for the console's resources: which API path lists them, what their id is,
// and how their answers are wrapped. The data provider looks a resource up here instead
// of branching on its name.

export interface ResourceDef {
  path: string;
  /** The field that identifies a record (react-admin needs `id`). */
  idField?: string;
  /** Create/update answers that wrap the record with one-time extras: `{receiver, secret}`. */
  wrap?: string;
  /** Where the operator's tenant goes on a create (default the body); `none` for resources above tenants. */
  tenantOnCreate?: 'body' | 'none';
  /** Resources that are not tenant-scoped at all (the operator's own). */
  tenantScoped?: boolean;
  /** Builds an id from a record without one of its own. */
  idOf?: (r: Record<string, unknown>) => string;
}

export const RESOURCES: Record<string, ResourceDef> = {
  tenants: { path: '/v1/tenants', tenantOnCreate: 'none', tenantScoped: false },
  units: { path: '/v1/units' },
  users: { path: '/v1/users' },
  accounts: { path: '/v1/accounts', wrap: 'account' },
  topics: { path: '/v1/topics', idField: 'name' },
  receivers: { path: '/v1/receivers', wrap: 'receiver' },
  deliveries: { path: '/v1/deliveries' },
  'push-types': { path: '/v1/push/types', idField: 'type' },
  integrations: { path: '/v1/integrations' },
  'integration-log': { path: '/v1/integration-log' },
  // The operator's templates are the catalogue (no tenant); an account's are its tenant's own.
  templates: { path: '/v1/templates', wrap: 'template', tenantOnCreate: 'none', tenantScoped: false },
  installations: { path: '/v1/installations', wrap: 'installation' },
  'listener-services': { path: '/v1/listener-services' },
  listeners: { path: '/v1/listeners', wrap: 'listener' },
  'listener-logs': { path: '/v1/listener-logs', idOf: (r) => `${String(r.listenerId)}:${String(r.seq)}` },
  'audit-events': { path: '/v1/audit/events' },
  'audit-changes': { path: '/v1/audit/changes' },
};

export function resourceDef(resource: string): ResourceDef {
  const def = RESOURCES[resource];
  if (!def) throw new Error(`unknown resource ${resource}`);
  return def;
}

/** The record with react-admin's `id`. */
export function withId<T extends Record<string, unknown>>(def: ResourceDef, r: T): T & { id: string } {
  const id = def.idOf ? def.idOf(r) : String(r[def.idField ?? 'id']);
  return { ...r, id };
}

/** Splits `{receiver, secret}` into the record and what is shown once. */
export function unwrap(def: ResourceDef, answer: Record<string, unknown>): { record: Record<string, unknown>; extras?: Record<string, unknown> } {
  if (!def.wrap || !(def.wrap in answer) || typeof answer[def.wrap] !== 'object') return { record: answer };
  const { [def.wrap]: record, ...extras } = answer;
  return { record: record as Record<string, unknown>, extras: Object.keys(extras).length ? extras : undefined };
}
