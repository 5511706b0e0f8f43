export * from './infra';
export * from './smtp-sink';
export * from './service-env';
export * from './bench-env';
export * from './processes';
export * from './events';
export * from './absorb-bench';
export * from './browser';
