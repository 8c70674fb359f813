export * from './problems';
export * from './validation';
export * from './problem.filter';
export * from './auth';
export * from './health.controller';
export * from './http.module';
export * from './bootstrap';
export * from './authorization';
