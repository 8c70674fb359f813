import { databaseConfig, httpConfig, natsConfig, operatorConfig, type DatabaseConfig, type HttpConfig, type NatsConfig, type OperatorConfig } from '@hookline/config';

export const registryConfigSpec = { ...natsConfig, ...databaseConfig, ...httpConfig, ...operatorConfig };
export type RegistryConfig = NatsConfig & DatabaseConfig & HttpConfig & OperatorConfig;
