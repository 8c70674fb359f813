// The dispatcher's in-memory view of what fan-out needs: receivers, the receiving
// accounts' grants, the unit tree, and the push-notification settings, types and flags,
// per tenant. Built by replaying the registry's change stream and kept current by
// following it, so permission checks and push flags are as they are when an event is
// dispatched, without a database query per event.
import type { AccountView, PushFlags, PushFlagView, PushSettingsView, PushTypeView, ReceiverView, RegistryChange, UnitView } from '@hookline/contracts';

interface TenantState {
  receivers: Map<string, ReceiverView>;
  accounts: Map<string, AccountView>;
  units: Map<string, UnitView>;
  pushSettings?: PushSettingsView;
  pushTypes: Map<string, PushTypeView>;
  /** type -> its explicit flags */
  pushFlags: Map<string, { global?: boolean; units: Map<string, boolean> }>;
}

export class RegistryView {
  private readonly tenants = new Map<string, TenantState>();
  /** The last stream sequence applied; the view is "caught up" once it reaches the stream's end at start. */
  lastSeq = 0;

  private tenant(id: string): TenantState {
    let t = this.tenants.get(id);
    if (!t) {
      t = { receivers: new Map(), accounts: new Map(), units: new Map(), pushTypes: new Map(), pushFlags: new Map() };
      this.tenants.set(id, t);
    }
    return t;
  }

  /** Applies one change. Views carry the full state after the change, so replays are idempotent. */
  apply(change: RegistryChange, seq: number): void {
    if (seq <= this.lastSeq) return;
    this.lastSeq = seq;
    const t = this.tenant(change.tenantId);
    if (change.entity.startsWith('push-')) {
      this.applyPush(t, change);
      return;
    }
    const map: Map<string, unknown> | undefined =
      change.entity === 'account' ? t.accounts : change.entity === 'receiver' ? t.receivers : change.entity === 'unit' ? t.units : undefined;
    if (!map) {
      if (change.entity === 'tenant' && change.action === 'deleted') this.tenants.delete(change.tenantId);
      return;
    }
    if (change.action === 'deleted' && (change.entity as string) !== 'receiver') map.delete(change.entityId);
    else if (change.after) map.set(change.entityId, change.after);
  }

  private applyPush(t: TenantState, change: RegistryChange): void {
    switch (change.entity) {
      case 'push-settings':
        if (change.after) t.pushSettings = change.after as unknown as PushSettingsView;
        return;
      case 'push-type':
        if (change.action === 'deleted') {
          t.pushTypes.delete(change.entityId);
          t.pushFlags.delete(change.entityId);
        } else if (change.after) t.pushTypes.set(change.entityId, change.after as unknown as PushTypeView);
        return;
      case 'push-flag': {
        const f = (change.after ?? change.before) as unknown as PushFlagView | null;
        if (!f) return;
        let flags = t.pushFlags.get(f.type);
        if (!flags) t.pushFlags.set(f.type, (flags = { units: new Map() }));
        const enabled = change.action === 'deleted' ? undefined : f.enabled;
        if (f.unit === null) flags.global = enabled;
        else if (enabled === undefined) flags.units.delete(f.unit);
        else flags.units.set(f.unit, enabled);
        return;
      }
      default:
        // push-notification: the retry-scheduler's purge records, nothing to keep here.
        return;
    }
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

  /** The tenant's push system parameters, if it ever set any. */
  pushSettings(tenantId: string): PushSettingsView | undefined {
    return this.tenants.get(tenantId)?.pushSettings;
  }

  pushType(tenantId: string, type: string): PushTypeView | undefined {
    return this.tenants.get(tenantId)?.pushTypes.get(type);
  }

  /** The notification types a host event topic triggers. */
  pushTypesFor(tenantId: string, topic: string): PushTypeView[] {
    const t = this.tenants.get(tenantId);
    return t ? [...t.pushTypes.values()].filter((p) => p.topic === topic) : [];
  }

  pushFlags(tenantId: string, type: string): PushFlags {
    const f = this.tenants.get(tenantId)?.pushFlags.get(type);
    if (!f) return { units: new Map() };
    return f.global === undefined ? { units: f.units } : { global: f.global, units: f.units };
  }
}
