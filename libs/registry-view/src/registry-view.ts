// An in-memory view of the registry, per tenant: receivers, the accounts' grants, the
// unit tree, push settings, types and flags, and the current state of every other
// entity a delivery kind may resolve its targets from. Built by replaying the registry's
// change stream and kept current by following it, so fan-out, permission checks and
// target resolution see the registry as it is when they run, without a database query.
// Pure: apply() is the only way in.
import {
  InvalidChangeError,
  type AccountView,
  type PushFlags,
  type PushFlagView,
  type PushSettingsView,
  type PushTypeView,
  type ReceiverView,
  type RegistryChange,
  type RegistryEntity,
  type UnitView,
} from '@hookline/contracts';
import type { TargetDirectory } from '@hookline/delivery';

/**
 * Entities nothing here needs: users (the host application may mirror many; their units
 * are read from the database where impersonation is decided), the retry-scheduler's
 * purge records and the audit-log's bulk-resend records.
 */
const NOT_KEPT: ReadonlySet<RegistryEntity> = new Set(['user', 'push-notification', 'delivery']);
/** Soft-deleted: a deletion keeps the entity, with deletedAt, so a waiting retry can say why it was cancelled. */
const SOFT_DELETED: ReadonlySet<RegistryEntity> = new Set(['receiver']);

/** Actions that must carry the entity's state after them (a login or an impersonation need not). */
const STATE_CHANGES: ReadonlySet<string> = new Set(['created', 'updated', 'restored']);

interface TenantState {
  entities: Map<RegistryEntity, Map<string, unknown>>;
  /** push type -> its explicit flags */
  pushFlags: Map<string, { global?: boolean; units: Map<string, boolean> }>;
}

export class RegistryView implements TargetDirectory {
  private readonly tenants = new Map<string, TenantState>();
  /** The last stream sequence applied; the view is "caught up" once it reaches the stream's end at start. */
  lastSeq = 0;

  private tenant(id: string): TenantState {
    let t = this.tenants.get(id);
    if (!t) {
      t = { entities: new Map(), pushFlags: new Map() };
      this.tenants.set(id, t);
    }
    return t;
  }

  private map<T>(tenantId: string, entity: RegistryEntity): Map<string, T> | undefined {
    return this.tenants.get(tenantId)?.entities.get(entity) as Map<string, T> | undefined;
  }

  /**
   * Applies one change. Views carry the full state after the change, so replays are
   * idempotent. Throws InvalidChangeError for a change whose state it cannot read: the
   * follower stops there rather than serve a view that missed it.
   */
  apply(change: RegistryChange, seq: number): void {
    if (seq <= this.lastSeq) return;
    if (change.entity === 'tenant' && change.action === 'deleted') {
      this.tenants.delete(change.tenantId);
    } else if (change.entity === 'push-flag') {
      this.applyFlag(change);
    } else if (!NOT_KEPT.has(change.entity)) {
      const t = this.tenant(change.tenantId);
      let m = t.entities.get(change.entity);
      if (!m) t.entities.set(change.entity, (m = new Map()));
      if (change.action === 'deleted' && !SOFT_DELETED.has(change.entity)) {
        m.delete(change.entityId);
        // A push type takes its flags with it.
        if (change.entity === 'push-type') t.pushFlags.delete(change.entityId);
      } else if (change.after) {
        m.set(change.entityId, change.after);
      } else if (STATE_CHANGES.has(change.action)) {
        throw new InvalidChangeError(`a ${change.action} ${change.entity} change carries no state after it`);
      }
    }
    this.lastSeq = seq;
  }

  private applyFlag(change: RegistryChange): void {
    const f = (change.after ?? change.before) as unknown as PushFlagView | null;
    if (!f || typeof f.type !== 'string' || !(f.unit === null || typeof f.unit === 'string')) throw new InvalidChangeError('a push-flag change must name its type and unit');
    const t = this.tenant(change.tenantId);
    let flags = t.pushFlags.get(f.type);
    if (!flags) t.pushFlags.set(f.type, (flags = { units: new Map() }));
    const enabled = change.action === 'deleted' ? undefined : f.enabled;
    if (f.unit === null) flags.global = enabled;
    else if (enabled === undefined) flags.units.delete(f.unit);
    else flags.units.set(f.unit, enabled);
  }

  /** The current state of any kept entity, as its last change carried it. */
  entity<T>(tenantId: string, entity: RegistryEntity, id: string): T | undefined {
    return this.map<T>(tenantId, entity)?.get(id);
  }

  /** Every kept entity of a kind in a tenant. */
  entities<T>(tenantId: string, entity: RegistryEntity): T[] {
    const m = this.map<T>(tenantId, entity);
    return m ? [...m.values()] : [];
  }

  /** Active receivers of a tenant (not deleted, enabled), whatever their topics. */
  receivers(tenantId: string): ReceiverView[] {
    return this.entities<ReceiverView>(tenantId, 'receiver').filter((r) => r.enabled && r.deletedAt === null);
  }

  receiver(tenantId: string, id: string): ReceiverView | undefined {
    return this.entity<ReceiverView>(tenantId, 'receiver', id);
  }

  account(tenantId: string, id: string): AccountView | undefined {
    return this.entity<AccountView>(tenantId, 'account', id);
  }

  /** The unit and its ancestors (root first); an unknown unit is just itself. */
  unitPath(tenantId: string, unitId: string): string[] {
    return this.entity<UnitView>(tenantId, 'unit', unitId)?.path ?? [unitId];
  }

  /** The tenant's push system parameters, if it ever set any. */
  pushSettings(tenantId: string): PushSettingsView | undefined {
    const m = this.map<PushSettingsView>(tenantId, 'push-settings');
    return m ? [...m.values()][0] : undefined;
  }

  /** The tenants that have push settings. */
  pushSettingsTenants(): string[] {
    return [...this.tenants].filter(([, t]) => (t.entities.get('push-settings')?.size ?? 0) > 0).map(([id]) => id);
  }

  pushType(tenantId: string, type: string): PushTypeView | undefined {
    return this.entity<PushTypeView>(tenantId, 'push-type', type);
  }

  /** The notification types a host event topic triggers. */
  pushTypesFor(tenantId: string, topic: string): PushTypeView[] {
    return this.entities<PushTypeView>(tenantId, 'push-type').filter((p) => p.topic === topic);
  }

  pushFlags(tenantId: string, type: string): PushFlags {
    const f = this.tenants.get(tenantId)?.pushFlags.get(type);
    if (!f) return { units: new Map() };
    return f.global === undefined ? { units: f.units } : { global: f.global, units: f.units };
  }
}
