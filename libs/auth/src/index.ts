export * from './grants';
export * from './principal';
export * from './api-token';
export * from './totp';
export * from './sealed-box';
export * from './access-token';
export * from './signing-keys';
export * from './auth.module';
