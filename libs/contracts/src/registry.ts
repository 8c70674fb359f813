// The registry's entities as they travel on hookline.registry.<tenant>.<entity>.<action>:
// one RegistryChange per write, published from the registry's transactional outbox.
// Projections (the audit log, the dispatcher's view of accounts and units) are built
// from these, so every view carries the entity's full state after the change.
import { putOwn } from './own-property';

/** Ids the host application gives its units and users (they appear in host events). */
export const ENTITY_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/**
 * A permission: which actions, on which units (a unit covers every unit below it; "*"
 * is the whole tenant), for which topics ("*" is every topic; patterns use NATS
 * wildcards: `*` is exactly one word, a final `>` one or more, e.g. "Accounts.*").
 */
export interface Grant {
  actions: string[];
  units: '*' | string[];
  topics: '*' | string[];
}

export interface TenantView {
  id: string;
  name: string;
  /** The tenant's stable numeric id (provet_id in hookup messages), given by the database. */
  provetId: number;
  /** The API base URL the tenant's accounts must use, when it differs from the platform's. */
  baseUrl: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface UnitView {
  id: string;
  tenant: string;
  name: string;
  parentId: string | null;
  /** Ids from the root down to this unit itself. */
  path: string[];
  createdAt: string;
  updatedAt: string;
}

export interface UserView {
  id: string;
  tenant: string;
  displayName: string;
  /** The units the user may see (each with everything below it), or "*" for all. */
  units: '*' | string[];
  createdAt: string;
  updatedAt: string;
}

export interface AccountView {
  id: string;
  tenant: string;
  name: string;
  description: string | null;
  enabled: boolean;
  grants: Grant[];
  /** When the API token and TOTP secret were last (re)issued. */
  credentialsIssuedAt: string;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Who made a change. */
export type Actor =
  | { kind: 'operator' }
  | { kind: 'account'; accountId: string; accountName?: string }
  | { kind: 'user'; userId: string; userName?: string; accountId: string; accountName?: string }
  | { kind: 'system'; reason: string };

/**
 * receiver and topic are written by the receivers feature (see receivers.ts);
 * push-settings, push-type and push-flag by the push feature (see push.ts).
 * push-notification is not written by the registry: the retry-scheduler
 * records each deletion of expired, undelivered notifications as a change of it
 * (action "purged", actor system) so the audit log says how many and which.
 * delivery is written by the audit-log: a bulk resend is recorded as a change of it
 * (action "resent"), with who asked, the filter, and how many.
 * template and installation are written by the installations feature (see installations.ts).
 * integration is written by the integrations feature (see integrations.ts).
 * listener-service and listener are written by the listeners feature (see listeners.ts);
 * webhook-listener records each retention purge as a "purged" change of the listener.
 */
export const REGISTRY_ENTITIES = [
  'tenant',
  'unit',
  'user',
  'account',
  'receiver',
  'topic',
  'push-settings',
  'push-type',
  'push-flag',
  'push-notification',
  'delivery',
  'template',
  'installation',
  'integration',
  'listener-service',
  'listener',
] as const;
export type RegistryEntity = (typeof REGISTRY_ENTITIES)[number];

/**
 * created / updated / deleted: the entity's state changed (before/after show how).
 * credentials-reset: an account got a new API token and TOTP secret (never in the event).
 * login: an account logged in. impersonated: an account obtained a token acting as a user.
 * restored: a soft-deleted entity (a receiver) is back.
 * purged: undelivered push notifications expired and were deleted (detail: count and ids);
 * a listener's records older than its retention were deleted (detail: count per table).
 * resent: an operator resent deliveries in bulk (entity "delivery"; detail: the filter and how many).
 * retired: a template leaves the catalogue (no new installations; existing ones keep working).
 */
export const REGISTRY_ACTIONS = ['created', 'updated', 'deleted', 'restored', 'credentials-reset', 'login', 'impersonated', 'purged', 'resent', 'retired'] as const;
export type RegistryAction = (typeof REGISTRY_ACTIONS)[number];

export interface RegistryChange<V = Record<string, unknown>> {
  /** The outbox row id; also the Nats-Msg-Id, so a re-published row is a duplicate. */
  id: string;
  tenantId: string;
  entity: RegistryEntity;
  entityId: string;
  action: RegistryAction;
  actor: Actor;
  at: string;
  before: V | null;
  after: V | null;
  /** What else the reader needs (login: token id and expiry; impersonated: the account). */
  detail?: Record<string, unknown>;
}

export function registryChangeSubject(tenantId: string, entity: RegistryEntity, action: RegistryAction): string {
  return `hookline.registry.${tenantId}.${entity}.${action}`;
}

/** "operator", "account Ada (id)", "user Bob (id) through account Ada (id)". */
export function describeActor(actor: Actor): string {
  const named = (name: string | undefined, id: string) => (name ? `${name} (${id})` : id);
  switch (actor.kind) {
    case 'operator':
      return 'operator';
    case 'account':
      return `account ${named(actor.accountName, actor.accountId)}`;
    case 'user':
      return `user ${named(actor.userName, actor.userId)} through account ${named(actor.accountName, actor.accountId)}`;
    case 'system':
      return `system (${actor.reason})`;
  }
}

/** Keys whose values are never stored in a change or shown by the audit log, at any depth. */
const SECRET_KEY_RE = /(secret|password|hash|salt|privatekey)/i;
const SECRET_KEYS = new Set(['token', 'apitoken', 'accesstoken', 'access_token', 'refresh_token', 'subject_token', 'actor_token', 'totp', 'credentials', 'authorization', 'jwt', 'notification_jwt']);

const isSecretKey = (k: string) => SECRET_KEY_RE.test(k) || SECRET_KEYS.has(k.toLowerCase());

/**
 * Replaces every secret-looking value with "[redacted]" (defence in depth: views carry
 * none). A copy; every other key is kept as data, "__proto__" and "constructor" included.
 * Iterative, so a deeply nested value (a topic's example) cannot overflow the stack.
 */
export function redactSecrets<T>(value: T): T {
  const copy = (v: unknown): unknown => (Array.isArray(v) ? new Array<unknown>(v.length) : v && typeof v === 'object' ? {} : v);
  const root = copy(value);
  const work: [from: unknown, to: unknown][] = root !== value ? [[value, root]] : [];
  while (work.length > 0) {
    const [from, to] = work.pop() as [unknown, unknown];
    if (Array.isArray(from)) {
      const out = to as unknown[];
      for (let i = 0; i < from.length; i++) {
        const c = copy(from[i]);
        out[i] = c;
        if (c !== from[i]) work.push([from[i], c]);
      }
      continue;
    }
    const out = to as Record<string, unknown>;
    for (const [k, v] of Object.entries(from as Record<string, unknown>)) {
      if (isSecretKey(k)) {
        putOwn(out, k, '[redacted]');
        continue;
      }
      const c = copy(v);
      putOwn(out, k, c);
      if (c !== v) work.push([v, c]);
    }
  }
  return root as T;
}

const ENTITIES: readonly string[] = REGISTRY_ENTITIES;
const ACTIONS: readonly string[] = REGISTRY_ACTIONS;

export class InvalidChangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidChangeError';
  }
}

/** Checks a message from HOOKLINE_REGISTRY is a RegistryChange; throws InvalidChangeError naming what is wrong. */
export function parseRegistryChange(raw: unknown): RegistryChange {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidChangeError('a change must be a JSON object');
  const c = raw as Record<string, unknown>;
  for (const k of ['id', 'tenantId', 'entityId', 'at'] as const) if (typeof c[k] !== 'string' || c[k] === '') throw new InvalidChangeError(`${k} must be a non-empty string`);
  if (!ENTITIES.includes(c.entity as string)) throw new InvalidChangeError(`entity ${String(c.entity)} is unknown`);
  if (!ACTIONS.includes(c.action as string)) throw new InvalidChangeError(`action ${String(c.action)} is unknown`);
  const actor = c.actor as Record<string, unknown> | undefined;
  if (!actor || typeof actor !== 'object' || !['operator', 'account', 'user', 'system'].includes(actor.kind as string)) throw new InvalidChangeError('actor is missing or unknown');
  if (Number.isNaN(Date.parse(c.at as string))) throw new InvalidChangeError('at must be a timestamp');
  for (const k of ['before', 'after'] as const) if (c[k] !== null && (typeof c[k] !== 'object' || Array.isArray(c[k]))) throw new InvalidChangeError(`${k} must be an object or null`);
  return c as unknown as RegistryChange;
}
