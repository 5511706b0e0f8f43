export * from './topology';
export * from './connection';
export * from './outbox';
export * from './consumer';
export * from './single-flight';
export * from './dlq';
export * from './runtime';
export * from './migrations';
