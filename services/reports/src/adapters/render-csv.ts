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
  // first character = + - @ TAB CR, tested by code (this runs on every cell of a 40,000-row export)
  const c = cell.charCodeAt(0);
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13 ? `'${cell}` : cell;
}

/**
 * One record of RFC 4180: a field holding the separator, a double quote, CR or LF is quoted, its
 * quotes doubled; the others are written as they are. Written by hand: csv-stringify's general
 * options cost about seven times the joining itself on a funder's 40,000 rows.
 */
export function csvRecord(cells: readonly string[], sep: string): string {
  const special = sep === ';' ? NEEDS_QUOTES_SEMI : sep === ',' ? NEEDS_QUOTES_COMMA : null;
  let line = '';
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    if (i > 0) line += sep;
    const quote = special ? special.test(c) : c.includes(sep) || /["\r\n]/.test(c);
    line += quote ? `"${c.replace(/"/g, '""')}"` : c;
  }
  return line;
}
const NEEDS_QUOTES_SEMI = /[;"\r\n]/;
const NEEDS_QUOTES_COMMA = /[,"\r\n]/;

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
  const sep = locale === 'fr' ? ';' : ',';
  const lines: string[] = ['\ufeff' + csvRecord(m.csvHeaders, sep)];
  for (const r of rows) {
    const c = classify(r, asOf);
    lines.push(
      csvRecord(
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
        sep,
      ),
    );
  }
  if (auditHead)
    lines.push(
      csvRecord([auditHeadText(auditHead, locale).heading, String(auditHead.seq), auditHead.hash, auditHead.at], sep),
    );
  // CRLF after every record, the last one included (what csv-stringify wrote with record_delimiter windows)
  return Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');
}
