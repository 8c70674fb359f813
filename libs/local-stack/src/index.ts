export * from './ports';
export * from './binaries';
export * from './nats-server';
export * from './postgres-data';
export * from './postgres-server';
export * from './service-process';
export * from './gateway';
export * from './stack';
