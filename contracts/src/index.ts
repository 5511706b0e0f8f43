export * from './events';
export * from './ids';
export * from './internal';
export type { paths, components, operations } from '../generated/api';
export { openApiPath, publicPathTemplates } from './routes';
