export * from './service-part';
export * from './assemble';
export * from './schema-refs';
