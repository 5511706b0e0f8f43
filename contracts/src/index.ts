export * from './events';
export * from './ids';
export * from './internal';
export type { paths, components, operations } from '../generated/api';
export { openApiPath, publicPathTemplates } from './routes';
import { openApiPath } from './routes';

/** The OpenAPI document as data, for checks that hold code to the contract's numbers (limits, operations). */
export function readOpenApi(): Record<string, unknown> {
  // Required here rather than imported: only tests read the document as data, no service does at boot.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require('yaml') as typeof import('yaml');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('node:fs') as typeof import('node:fs');
  return parse(fs.readFileSync(openApiPath, 'utf8')) as Record<string, unknown>;
}
