export * from './test-env';
export * from './api-client';
export * from './test-stack';
export * from './assertions';
export * from './accounts';
export * from './receiver';
