import type { Locale } from '@pc/service-kit';
import { importTemplate, type ImportTemplate } from '../domain/csv-template';

/** GET /v1/agreements/import/template: the CSV an officer fills in, in the asked language (the caller's by default). */
export function getImportTemplate(asked: Locale | undefined, callerLocale: Locale): ImportTemplate {
  return importTemplate(asked ?? callerLocale);
}
