export * from './errors';
export * from './settlement';
export * from './nats-client';
export * from './provisioner';
export * from './publisher';
export * from './consumer-host';
export * from './messaging.module';
export * from './stream-follower';
