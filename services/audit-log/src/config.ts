import { databaseConfig, field, httpConfig, natsConfig, operatorConfig, type DatabaseConfig, type HttpConfig, type NatsConfig, type OperatorConfig } from '@hookline/config';
import { deliveryConfig, type DeliveryConfig } from '@hookline/delivery';
import { browserAccessConfig, type BrowserAccessConfig } from '@hookline/http';

export const auditLogConfigSpec = {
  ...natsConfig,
  ...databaseConfig,
  ...httpConfig,
  ...operatorConfig,
  ...deliveryConfig,
  ...browserAccessConfig,
  bulkResendRate: field.int('HOOKLINE_BULK_RESEND_RATE', {
    default: 50,
    min: 1,
    max: 10_000,
    doc: 'orders per second a bulk resend sends (per audit-log instance), so that it never crowds out new deliveries',
  }),
};
export type AuditLogConfig = NatsConfig & DatabaseConfig & HttpConfig & OperatorConfig & DeliveryConfig & BrowserAccessConfig & { bulkResendRate: number };
