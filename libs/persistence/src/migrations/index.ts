// Every migration, in order. One history for the one database the services share;
// each table belongs to the service named in its migration's comment.
import { AuditEvents1764115200000 } from './1764115200000-audit-events';
import { Deliveries1764115300000 } from './1764115300000-deliveries';
import { DeliverySchedule1764115400000 } from './1764115400000-delivery-schedule';
import { RegistryAccounts1764200000000 } from './1764200000000-registry-accounts';
import { AuditChanges1764200000100 } from './1764200000100-audit-changes';
import { DeliveryCredentials1764300000000 } from './1764300000000-delivery-credentials';
import { Receivers1764400000000 } from './1764400000000-receivers';
import { PushNotifications1764500000000 } from './1764500000000-push-notifications';
import { DeliveryStatusAttempt1764600000000 } from './1764600000000-delivery-status-attempt';
import { Listeners1764700000000 } from './1764700000000-listeners';

export const MIGRATIONS = [AuditEvents1764115200000, Deliveries1764115300000, DeliverySchedule1764115400000, RegistryAccounts1764200000000, AuditChanges1764200000100, DeliveryCredentials1764300000000, Receivers1764400000000, PushNotifications1764500000000, DeliveryStatusAttempt1764600000000, Listeners1764700000000];
