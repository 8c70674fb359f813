import { databaseConfig, httpConfig, natsConfig, operatorConfig, type DatabaseConfig, type HttpConfig, type NatsConfig, type OperatorConfig } from '@hookline/config';

export const webhookListenerConfigSpec = { ...natsConfig, ...databaseConfig, ...httpConfig, ...operatorConfig };
export type WebhookListenerConfig = NatsConfig & DatabaseConfig & HttpConfig & OperatorConfig;
