export * from './persistence.module';
export * from './data-source';
export * from './cursor';
export * from './storable-text';
