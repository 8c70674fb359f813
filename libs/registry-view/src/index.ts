export * from './registry-view';
export * from './registry-view.config';
export * from './registry-view.provider';
export * from './registry-view.module';
