export * from './binding';
export * from './messages';
export * from './server';
export * from './status';
