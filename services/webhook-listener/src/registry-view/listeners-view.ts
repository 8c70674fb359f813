// webhook-listener's in-memory view of the registry, replayed from its change stream and
// kept current by following it: every listener with its settings, structure and the
// digests of its valid tokens, and every API account's and user's state (for access
// tokens on the read API). Ingest needs no database read to route and authenticate a request.
import { timingSafeEqual } from 'node:crypto';
import { tokenDigest, type AccountView, type ListenerChangeState, type RegistryChange, type UserView } from '@hookline/contracts';

export interface AccountState {
  enabled: boolean;
  grants: AccountView['grants'];
  /** Milliseconds; tokens issued before this (in whole seconds) no longer count. */
  credentialsIssuedAt: number;
}

export interface UserState {
  /** The units the user may see, or "*" for all. */
  units: UserView['units'];
}

export class ListenersView {
  private readonly listeners = new Map<string, ListenerChangeState>();
  private readonly byTenant = new Map<string, Set<string>>();
  private readonly accounts = new Map<string, AccountState | 'deleted'>();
  private readonly users = new Map<string, UserState | 'deleted'>();
  private readonly deletedHandlers: ((tenantId: string, listenerId: string) => void)[] = [];
  lastSeq = 0;

  /** Called once for each listener deleted (also on replay: the handler must be idempotent). */
  onDeleted(handler: (tenantId: string, listenerId: string) => void): void {
    this.deletedHandlers.push(handler);
  }

  apply(c: RegistryChange, seq: number): void {
    if (seq <= this.lastSeq) return;
    this.lastSeq = seq;
    if (c.entity === 'listener') {
      if (c.action === 'deleted') {
        this.listeners.delete(c.entityId);
        this.byTenant.get(c.tenantId)?.delete(c.entityId);
        for (const h of this.deletedHandlers) h(c.tenantId, c.entityId);
      } else if (c.after && (c.action === 'created' || c.action === 'updated' || c.action === 'credentials-reset')) {
        this.listeners.set(c.entityId, c.after as unknown as ListenerChangeState);
        let set = this.byTenant.get(c.tenantId);
        if (!set) this.byTenant.set(c.tenantId, (set = new Set()));
        set.add(c.entityId);
      }
      return;
    }
    if (c.entity === 'account') {
      const key = `${c.tenantId}\u0000${c.entityId}`;
      if (c.action === 'deleted') this.accounts.set(key, 'deleted');
      else if (c.after && (c.action === 'created' || c.action === 'updated' || c.action === 'credentials-reset')) {
        const a = c.after as unknown as AccountView;
        this.accounts.set(key, { enabled: a.enabled !== false, grants: a.grants ?? [], credentialsIssuedAt: Date.parse(a.credentialsIssuedAt) });
      }
      return;
    }
    if (c.entity === 'user') {
      const key = `${c.tenantId}\u0000${c.entityId}`;
      if (c.action === 'deleted') this.users.set(key, 'deleted');
      else if (c.after && (c.action === 'created' || c.action === 'updated')) {
        const u = c.after as unknown as UserView;
        // A user whose units are unreadable sees nothing rather than everything.
        this.users.set(key, { units: u.units === '*' || Array.isArray(u.units) ? u.units : [] });
      }
      return;
    }
    if (c.entity === 'tenant' && c.action === 'deleted') {
      for (const id of this.byTenant.get(c.tenantId) ?? []) this.listeners.delete(id);
      this.byTenant.delete(c.tenantId);
    }
  }

  /** The listener behind /hooks/<serviceId>/<listenerId>, if it exists there and is enabled. */
  route(serviceId: string, listenerId: string): ListenerChangeState | undefined {
    const l = this.listeners.get(listenerId);
    return l && l.serviceId === serviceId && l.enabled ? l : undefined;
  }

  byId(id: string): ListenerChangeState | undefined {
    return this.listeners.get(id);
  }

  listener(tenantId: string, id: string): ListenerChangeState | undefined {
    const l = this.listeners.get(id);
    return l && l.tenant === tenantId ? l : undefined;
  }

  listenerByName(tenantId: string, name: string): ListenerChangeState | undefined {
    for (const id of this.byTenant.get(tenantId) ?? []) {
      const l = this.listeners.get(id);
      if (l?.name === name) return l;
    }
    return undefined;
  }

  all(): ListenerChangeState[] {
    return [...this.listeners.values()];
  }

  ofTenant(tenantId: string): ListenerChangeState[] {
    return [...(this.byTenant.get(tenantId) ?? [])].map((id) => this.listeners.get(id)).filter((l): l is ListenerChangeState => l !== undefined);
  }

  account(tenantId: string, accountId: string): AccountState | 'deleted' | undefined {
    return this.accounts.get(`${tenantId}\u0000${accountId}`);
  }

  user(tenantId: string, userId: string): UserState | 'deleted' | undefined {
    return this.users.get(`${tenantId}\u0000${userId}`);
  }
}

/** Whether a presented token is one of the listener's valid tokens; constant time in the token. */
export function tokenOpens(l: ListenerChangeState, presented: string | undefined, now: number): boolean {
  if (presented === undefined || presented === '') return false;
  const given = Buffer.from(tokenDigest(presented), 'hex');
  let ok = false;
  for (const d of l.verifier?.tokenDigests ?? []) {
    if (d.validUntil !== null && Date.parse(d.validUntil) <= now) continue;
    const expected = Buffer.from(d.digest, 'hex');
    // Every valid digest is compared, so timing does not say which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}
