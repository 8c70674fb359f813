import { databaseConfig, httpConfig, natsConfig, operatorConfig, type DatabaseConfig, type HttpConfig, type NatsConfig, type OperatorConfig } from '@hookline/config';

export const signerConfigSpec = { ...natsConfig, ...databaseConfig, ...httpConfig, ...operatorConfig };
export type SignerConfig = NatsConfig & DatabaseConfig & HttpConfig & OperatorConfig;
