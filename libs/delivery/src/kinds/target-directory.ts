// What the platform's delivery kinds read to resolve a target: the registry as it is
// now. The registry view (@hookline/registry-view) implements it; tests use small fakes.
import type { PushSettingsView, PushTypeView, ReceiverView, RegistryEntity } from '@hookline/contracts';
import type { ReceivingAccounts } from './receiving-account';

/** With the accounts and units (ReceivingAccounts): a webhook's retries and resends check its receiving account's grants as they are now. */
export interface TargetDirectory extends ReceivingAccounts {
  receiver(tenantId: string, id: string): ReceiverView | undefined;
  pushSettings(tenantId: string): PushSettingsView | undefined;
  /** The tenants that have push settings. */
  pushSettingsTenants(): string[];
  pushType(tenantId: string, type: string): PushTypeView | undefined;
  /** The current state of any other registry entity, for kinds whose targets are other entities. */
  entity<T>(tenantId: string, entity: RegistryEntity, id: string): T | undefined;
}
