export * from './attempt-error';
export * from './delivery-plan';
export * from './retry-policy';
export * from './request-builder';
export * from './success-criteria';
export * from './signatures';
export * from './redaction';
export * from './signing-request';
