export * from './ids';
export * from './host-event';
export * from './streams';
export * from './channels';
export * from './routes';
export * from './delivery';
export * from './registry';
export * from './receivers';
