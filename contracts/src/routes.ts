import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** Absolute path of the public OpenAPI document (validated at runtime by the edge). */
export const openApiPath = path.join(__dirname, '..', 'openapi.yaml');

let templates: string[] | undefined;

/**
 * The path templates of the public contract (`/v1/me/contacts/{email}/preferences`), read once from
 * `openapi.yaml`. Logs and metrics name a request by its template, never by its raw path, which
 * may carry personal data (an email in the path).
 */
export function publicPathTemplates(): string[] {
  templates ??= Object.keys(
    (parse(fs.readFileSync(openApiPath, 'utf8')) as { paths?: Record<string, unknown> }).paths ?? {},
  );
  return templates;
}
