export * from './events';
export * from './ids';
export * from './internal';
export type { paths, components, operations } from '../generated/api';
import path from 'node:path';

/** Absolute path of the public OpenAPI document (validated at runtime by the edge). */
export const openApiPath = path.join(__dirname, '..', 'openapi.yaml');
