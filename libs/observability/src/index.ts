export * from './correlation';
export * from './logger';
export * from './nest-logger';
export * from './observability.module';
export * from './readiness';
export * from './instance-stats';
export * from './tracing';
