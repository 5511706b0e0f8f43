export * from './infra';
export * from './smtp-sink';
