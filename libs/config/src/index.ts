export * from './config';
export * from './config.module';
export * from './common';
export * from './version';
export * from './tracing';
