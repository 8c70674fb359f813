import { databaseConfig, httpConfig, natsConfig, operatorConfig, type DatabaseConfig, type HttpConfig, type NatsConfig, type OperatorConfig } from '@hookline/config';

export const retrySchedulerConfigSpec = { ...natsConfig, ...databaseConfig, ...httpConfig, ...operatorConfig };
export type RetrySchedulerConfig = NatsConfig & DatabaseConfig & HttpConfig & OperatorConfig;
