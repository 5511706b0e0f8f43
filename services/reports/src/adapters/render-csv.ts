import { stringify } from 'csv-stringify/sync';
import { classify, type ObligationRow } from '../domain/compliance';
import { messages, type Locale } from '../domain/i18n';

/**
 * A cell a spreadsheet would run as a formula (= + - @, or a leading tab / carriage return, OWASP
 * "CSV injection") gets a leading apostrophe, which Excel and LibreOffice show as text.
 */
export function neutralise(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

const headers: Record<Locale, string[]> = {
  fr: ['Bailleur', 'Programme', 'Référence', 'Réf. externe', 'Entente', 'Statut de l’entente', 'Organisme', 'NEQ', 'Obligation',
    'Type', 'Numéro', 'Échéance', 'Statut', 'Code statut', 'Échue', 'Remplie', 'En souffrance', 'Note Praxis', 'Publiée le'],
  en: ['Funder', 'Programme', 'Reference', 'External ref.', 'Agreement', 'Agreement status', 'Grantee', 'NEQ', 'Obligation',
    'Kind', 'Sequence', 'Due date', 'Status', 'Status code', 'Due', 'Fulfilled', 'Outstanding', 'Praxis note', 'Published on'],
};

/**
 * One row per obligation, UTF-8 with a BOM (French Excel otherwise reads it as Windows-1252), and the
 * separator Excel expects in the funder's locale (";" in French, "," in English).
 * Columns "Due/Fulfilled/Outstanding" hold the classification the report's totals count.
 */
export function renderCsv(rows: ObligationRow[], asOf: string, locale: Locale): Buffer {
  const m = messages[locale];
  const yes = locale === 'fr' ? 'oui' : 'yes';
  const no = locale === 'fr' ? 'non' : 'no';
  const records: string[][] = [headers[locale]];
  for (const r of rows) {
    const c = classify(r, asOf);
    records.push([
      r.funderName, r.programmeCode, r.referenceCode, r.externalRef, r.agreementTitle, r.agreementStatus, r.granteeName, r.granteeNeq ?? '',
      r.obligationId, m.kinds[r.kind] ?? r.kind, r.sequence === null ? '' : String(r.sequence), r.dueDate, m.statuses[r.status], r.status,
      c.due ? yes : no, c.onTime ? 'on_time' : c.late ? 'late' : '', c.overdue ? yes : no, r.evidenceUrl ?? '', r.evidencePublishedOn ?? '',
    ].map(neutralise));
  }
  return Buffer.from(stringify(records, { bom: true, delimiter: locale === 'fr' ? ';' : ',', record_delimiter: 'windows' }), 'utf8');
}
