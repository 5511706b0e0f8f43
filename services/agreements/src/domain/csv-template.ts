/**
 * The import template (pure): a file an officer fills in and sends back as it is. The French one is
 * what French Excel reads and writes (semicolons, French headers, day-first dates, amounts written
 * `25 000,00 $`); the English one uses commas, the API's column names and ISO dates. Both are UTF-8
 * with a BOM: without it Excel opens UTF-8 as Windows-1252 and `Québec` shows as `QuÃ©bec`.
 */
import type { Locale } from '@pc/service-kit';
import { CSV_COLUMNS, FRENCH_HEADERS, type CsvColumn } from './csv-columns';

/** The template's columns (the amount in dollars; `amount_cents` is accepted but not proposed). */
const TEMPLATE_COLUMNS: readonly CsvColumn[] = CSV_COLUMNS.filter((c) => c !== 'amount_cents');

type Example = Partial<Record<CsvColumn, string>>;

/** One agreement on two rows (two requirements), written in each locale's way, to be replaced. */
const EXAMPLES: Record<Locale, { agreement: Example; requirements: Example[] }> = {
  fr: {
    agreement: {
      external_ref: 'ENT-2027-001',
      programme_code: 'CODE-PROGRAMME',
      title: 'Cuisines collectives du quartier',
      amount_dollars: '25 000,00 $',
      currency: 'CAD',
      start_date: '01/01/2027',
      end_date: '31/12/2027',
      signed_at: '01/12/2026',
      grantee_name: 'Société d\u2019entraide de Québec',
      grantee_neq: '1234567890',
    },
    requirements: [
      {
        contact_name: 'Marie-Ève Tremblay',
        contact_email: 'marie-eve.tremblay@example.org',
        contact_locale: 'fr',
        requirement_kind: 'learning_note',
        requirement_count: '1',
        due_anchor: 'end',
        due_offset: 'P90D',
      },
      { requirement_kind: 'final_note', requirement_count: '1', due_date: '31/03/2028' },
    ],
  },
  en: {
    agreement: {
      external_ref: 'AGR-2027-001',
      programme_code: 'PROGRAMME-CODE',
      title: 'Neighbourhood community kitchens',
      amount_dollars: '25,000.00',
      currency: 'CAD',
      start_date: '2027-01-01',
      end_date: '2027-12-31',
      signed_at: '2026-12-01',
      grantee_name: 'Société d\u2019entraide de Québec',
      grantee_neq: '1234567890',
    },
    requirements: [
      {
        contact_name: 'Alex Martin',
        contact_email: 'alex.martin@example.org',
        contact_locale: 'en',
        requirement_kind: 'learning_note',
        requirement_count: '1',
        due_anchor: 'end',
        due_offset: 'P90D',
      },
      { requirement_kind: 'final_note', requirement_count: '1', due_date: '2028-03-31' },
    ],
  },
};

function field(v: string, sep: string): string {
  return v.includes(sep) || /["\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export interface ImportTemplate {
  fileName: string;
  /** the file's text, BOM first, CRLF line ends (as Excel writes them) */
  text: string;
}

export function importTemplate(locale: Locale): ImportTemplate {
  const sep = locale === 'fr' ? ';' : ',';
  const line = (values: Example): string => TEMPLATE_COLUMNS.map((c) => field(values[c] ?? '', sep)).join(sep);
  const header = TEMPLATE_COLUMNS.map((c) => (locale === 'fr' ? FRENCH_HEADERS[c] : c)).join(sep);
  const { agreement, requirements } = EXAMPLES[locale];
  const rows = requirements.map((r) => line({ ...agreement, ...r }));
  return {
    fileName: locale === 'fr' ? 'modele-import-ententes.csv' : 'agreements-import-template.csv',
    text: '\uFEFF' + [header, ...rows].join('\r\n') + '\r\n',
  };
}
