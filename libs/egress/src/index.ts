export * from './address-policy';
export * from './egress-errors';
export * from './guarded-connector';
export * from './egress-client';
export * from './egress.config';
export * from './egress.module';
export { UNDICI_PARTS } from './undici-on-use';
