// What the retry-scheduler needs of the push settings: each tenant's current
// notification_days_before, folded from the registry's change events, so expiry is
// always judged against the setting as it is now (a change applies to notifications
// already waiting), without a database query.
import { DEFAULT_NOTIFICATION_DAYS_BEFORE, type PushSettingsView, type RegistryChange } from '@hookline/contracts';

export class PushSettingsState {
  private readonly days = new Map<string, number>();
  /** The last stream sequence applied. */
  lastSeq = 0;

  /** Applies one change; true when it changed a tenant's notification_days_before. */
  apply(change: RegistryChange, seq: number): boolean {
    if (seq <= this.lastSeq) return false;
    this.lastSeq = seq;
    if (change.entity === 'tenant' && change.action === 'deleted') {
      this.days.delete(change.tenantId);
      return false;
    }
    if (change.entity !== 'push-settings' || !change.after) return false;
    const d = (change.after as unknown as PushSettingsView).notification_days_before;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) return false;
    const before = this.daysBefore(change.tenantId);
    this.days.set(change.tenantId, d);
    return before !== d;
  }

  daysBefore(tenantId: string): number {
    return this.days.get(tenantId) ?? DEFAULT_NOTIFICATION_DAYS_BEFORE;
  }

  /** The tenants that set notification_days_before (every other one has the default). */
  configured(): [tenantId: string, daysBefore: number][] {
    return [...this.days];
  }
}
