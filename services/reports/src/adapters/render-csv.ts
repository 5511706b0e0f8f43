import { stringify } from 'csv-stringify/sync';
import { classify, type ObligationRow } from '../domain/compliance';
import type { Locale } from '@pc/service-kit';
import { messages } from '../domain/i18n';
import type { AuditHeadStamp } from '../domain/compliance';
import { auditHeadText } from '../domain/audit-anchor';

/**
 * A cell a spreadsheet would run as a formula (= + - @, or a leading tab / carriage return, OWASP
 * "CSV injection") gets a leading apostrophe, which Excel and LibreOffice show as text.
 */
export function neutralise(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/**
 * One row per obligation, UTF-8 with a BOM (French Excel otherwise reads it as Windows-1252), and the
 * separator Excel expects in the funder's locale (";" in French, "," in English).
 * Columns "Due/Fulfilled/Outstanding" hold the classification the report's totals count. The last
 * row, after the obligations, is the funder's audit chain head (label, seq, hash, when read) when
 * the report has one: the spreadsheet a funder keeps is then also a published anchor.
 */
export function renderCsv(
  rows: ObligationRow[],
  asOf: string,
  locale: Locale,
  auditHead: AuditHeadStamp | null = null,
): Buffer {
  const m = messages[locale];
  const records: string[][] = [[...m.csvHeaders]];
  for (const r of rows) {
    const c = classify(r, asOf);
    records.push(
      [
        r.funderName,
        r.programmeCode,
        r.referenceCode,
        r.externalRef,
        r.agreementTitle,
        r.agreementStatus,
        r.granteeName,
        r.granteeNeq ?? '',
        r.obligationId,
        m.kinds[r.kind] ?? r.kind,
        r.sequence === null ? '' : String(r.sequence),
        r.dueDate,
        m.statuses[r.status],
        r.status,
        c.due ? m.yes : m.no,
        c.onTime ? 'on_time' : c.late ? 'late' : '',
        c.overdue ? m.yes : m.no,
        r.evidenceUrl ?? '',
        r.evidencePublishedOn ?? '',
      ].map(neutralise),
    );
  }
  if (auditHead)
    records.push([auditHeadText(auditHead, locale).heading, String(auditHead.seq), auditHead.hash, auditHead.at]);
  return Buffer.from(
    stringify(records, { bom: true, delimiter: locale === 'fr' ? ';' : ',', record_delimiter: 'windows' }),
    'utf8',
  );
}
