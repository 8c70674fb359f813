import { databaseConfig, httpConfig, natsConfig, operatorConfig, type DatabaseConfig, type HttpConfig, type NatsConfig, type OperatorConfig } from '@hookline/config';

export const dispatcherConfigSpec = { ...natsConfig, ...databaseConfig, ...httpConfig, ...operatorConfig };
export type DispatcherConfig = NatsConfig & DatabaseConfig & HttpConfig & OperatorConfig;
