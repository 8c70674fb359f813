// The dispatcher's in-memory view of what fan-out needs: receivers, the receiving
// accounts' grants and the unit tree, per tenant. Built by replaying the registry's
// change stream and kept current by following it, so permission checks use the grants
// as they are when an event is dispatched, without a database query per event.
import type { AccountView, ReceiverView, RegistryChange, UnitView } from '@hookline/contracts';

interface TenantState {
  receivers: Map<string, ReceiverView>;
  accounts: Map<string, AccountView>;
  units: Map<string, UnitView>;
}

export class RegistryView {
  private readonly tenants = new Map<string, TenantState>();
  /** The last stream sequence applied; the view is "caught up" once it reaches the stream's end at start. */
  lastSeq = 0;

  private tenant(id: string): TenantState {
    let t = this.tenants.get(id);
    if (!t) {
      t = { receivers: new Map(), accounts: new Map(), units: new Map() };
      this.tenants.set(id, t);
    }
    return t;
  }

  /** Applies one change. Views carry the full state after the change, so replays are idempotent. */
  apply(change: RegistryChange, seq: number): void {
    if (seq <= this.lastSeq) return;
    this.lastSeq = seq;
    const t = this.tenant(change.tenantId);
    const map: Map<string, unknown> | undefined =
      change.entity === 'account' ? t.accounts : change.entity === 'receiver' ? t.receivers : change.entity === 'unit' ? t.units : undefined;
    if (!map) {
      if (change.entity === 'tenant' && change.action === 'deleted') this.tenants.delete(change.tenantId);
      return;
    }
    if (change.action === 'deleted' && (change.entity as string) !== 'receiver') map.delete(change.entityId);
    else if (change.after) map.set(change.entityId, change.after);
  }

  /** Active receivers of a tenant (not deleted, enabled), whatever their topics. */
  receivers(tenantId: string): ReceiverView[] {
    const t = this.tenants.get(tenantId);
    return t ? [...t.receivers.values()].filter((r) => r.enabled && r.deletedAt === null) : [];
  }

  receiver(tenantId: string, id: string): ReceiverView | undefined {
    return this.tenants.get(tenantId)?.receivers.get(id);
  }

  account(tenantId: string, id: string): AccountView | undefined {
    return this.tenants.get(tenantId)?.accounts.get(id);
  }

  /** The unit and its ancestors (root first); an unknown unit is just itself. */
  unitPath(tenantId: string, unitId: string): string[] {
    return this.tenants.get(tenantId)?.units.get(unitId)?.path ?? [unitId];
  }
}
