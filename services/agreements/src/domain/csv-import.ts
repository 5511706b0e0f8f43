/**
 * CSV import rules (pure): header check, cell values read as spreadsheets write them, rows grouped
 * by external_ref into agreement drafts, and every problem located as {row, column}. Rows are
 * numbered as a spreadsheet shows them: the header is row 1, the first data row is row 2 (a quoted
 * field spanning lines stays one row). A column is named in errors as the file's header writes it.
 */
import { readAgreement, type AgreementDraft, type Issue } from './agreement';
import {
  AGREEMENT_COLUMNS,
  CSV_COLUMNS,
  DATE_COLUMNS,
  FRENCH_HEADERS,
  REQUIRED_COLUMNS,
  columnOfHeader,
  headerHint,
  type CsvColumn,
} from './csv-columns';
import { readCsvDate, readDollars } from './csv-values';
import type { MessageCode } from './messages';

export { CSV_COLUMNS, type CsvColumn };

export interface CsvIssue {
  row: number;
  column: string;
  code: MessageCode;
  params?: Record<string, string | number>;
}

/** An agreement read from the file, with where each of its parts came from (to place later errors). */
export interface CsvAgreement {
  draft: AgreementDraft;
  firstRow: number;
  locate(path: string): { row: number; column: string };
}

/** Picks the delimiter from the header line: Excel in French locales writes semicolons. */
export function detectDelimiter(text: string): ',' | ';' {
  const firstLine = text.slice(0, Math.max(0, text.indexOf('\n')) || text.length);
  const count = (ch: string): number => firstLine.split(ch).length - 1;
  return count(';') > count(',') ? ';' : ',';
}

interface Header {
  index: Map<CsvColumn, number>;
  /** what errors call a column: the header cell as written, or for an absent one its name in the header's language */
  name(c: CsvColumn): string;
  issues: CsvIssue[];
}

/**
 * The header row → which cell holds which column; unknown, duplicate and missing columns named. A
 * header cell left empty over an empty column is skipped: Excel writes such trailing `;;` when cells
 * past the table were once formatted.
 */
function readHeader(cells: string[], emptyColumn: (i: number) => boolean): Header {
  const issues: CsvIssue[] = [];
  const written = cells.map((h) => h.replace(/^\uFEFF/, '').trim());
  const index = new Map<CsvColumn, number>();
  const unknown: number[] = [];
  let french = 0;
  let english = 0;
  written.forEach((h, i) => {
    if (h === '' && emptyColumn(i)) return;
    const name = columnOfHeader(h);
    if (!name) {
      unknown.push(i);
      return;
    }
    if (name.french) french++;
    else english++;
    const first = index.get(name.column);
    if (first !== undefined)
      issues.push({ row: 1, column: h, code: 'csv_duplicate_column', params: { other: written[first]! } });
    else index.set(name.column, i);
  });
  const name = (c: CsvColumn): string => {
    const i = index.get(c);
    return i !== undefined ? written[i]! : french > english ? FRENCH_HEADERS[c] : c;
  };
  const missing = new Set(CSV_COLUMNS.filter((c) => !index.has(c)));
  for (const i of unknown)
    issues.push({
      row: 1,
      column: written[i] || `#${i + 1}`,
      code: 'csv_unknown_column',
      params: { hint: headerHint(written[i]!, missing) },
    });
  for (const c of REQUIRED_COLUMNS)
    if (!index.has(c)) issues.push({ row: 1, column: name(c), code: 'csv_missing_column' });
  return { index, name, issues };
}

/**
 * Maps parsed records (records[0] = header) to agreement drafts. Returns every issue found; the
 * caller stores nothing when there is any.
 */
export function readCsvRecords(records: string[][]): { agreements: CsvAgreement[]; issues: CsvIssue[] } {
  const header = readHeader(records[0] ?? [], (i) => records.every((rec, r) => r === 0 || !rec[i]?.trim()));
  if (header.issues.length > 0) return { agreements: [], issues: header.issues };
  const { index, name } = header;
  const width = (records[0] ?? []).length;
  const issues: CsvIssue[] = [];
  /** `${record}:${column}` of the cells already reported, so one bad cell is one error. */
  const reported = new Set<string>();
  const isReported = (r: number, c: CsvColumn): boolean => reported.size > 0 && reported.has(`${r}:${c}`);
  const report = (r: number, c: CsvColumn, code: MessageCode, params?: Record<string, string | number>): void => {
    reported.add(`${r}:${c}`);
    issues.push({ row: r + 1, column: name(c), code, ...(params ? { params } : {}) });
  };

  const raw = (rec: string[], c: CsvColumn): string => {
    const i = index.get(c);
    return i === undefined ? '' : (rec[i] ?? '').trim();
  };
  /** Cells whose value is not their text: dates as AAAA-MM-JJ, the amount as cents. By record. */
  const readValues = new Map<number, Partial<Record<CsvColumn, string>>>();
  const cell = (r: number, c: CsvColumn): string => readValues.get(r)?.[c] ?? raw(records[r]!, c);
  /** The column a record's amount was read from (the dollars one when both are given). */
  const amountColumn = (r: number): CsvColumn =>
    raw(records[r]!, 'amount_dollars') ? 'amount_dollars' : 'amount_cents';

  const groups = new Map<string, number[]>();
  for (let r = 1; r < records.length; r++) {
    const rec = records[r]!;
    if (rec.every((c) => c.trim() === '')) continue; // a row left blank by a spreadsheet
    if (rec.length !== width) {
      issues.push({
        row: r + 1,
        column: (records[0]![Math.min(rec.length, width) - 1] ?? '').trim(),
        code: 'csv_field_count',
        params: { got: rec.length, expected: width },
      });
      continue;
    }
    const values: Partial<Record<CsvColumn, string>> = {};
    for (const c of DATE_COLUMNS) {
      const text = raw(rec, c);
      if (!text) continue;
      const d = readCsvDate(text);
      if (!d.ok) report(r, c, d.code, { value: text });
      else if (d.value !== text) values[c] = d.value;
    }
    const dollars = raw(rec, 'amount_dollars');
    if (dollars) {
      const a = readDollars(dollars);
      if (!a.ok) report(r, 'amount_dollars', a.code, { value: dollars });
      else {
        const cents = raw(rec, 'amount_cents');
        if (cents && cents !== String(a.value))
          report(r, 'amount_dollars', 'csv_amount_disagree', {
            value: dollars,
            cents: a.value,
            column: name('amount_cents'),
            other: cents,
          });
        values.amount_cents = String(a.value);
      }
    }
    if (Object.keys(values).length > 0) readValues.set(r, values);
    const ref = raw(rec, 'external_ref');
    if (!ref) {
      report(r, 'external_ref', 'required');
      continue;
    }
    const g = groups.get(ref);
    if (g) g.push(r);
    else groups.set(ref, [r]);
  }

  const agreements: CsvAgreement[] = [];
  for (const [ref, rows] of groups) {
    const first = rows[0]!;
    for (const r of rows.slice(1)) {
      for (const c of AGREEMENT_COLUMNS) {
        // The amount is compared as cents, whichever column wrote it: `25 000 $` and `2500000` agree.
        if (c === 'amount_dollars') continue;
        const at = c === 'amount_cents' ? amountColumn(r) : c;
        if (isReported(r, at) || isReported(first, c === 'amount_cents' ? amountColumn(first) : c)) continue;
        const a = cell(first, c),
          b = cell(r, c);
        if (a !== b) {
          const shown = (x: number): string => (c === 'amount_cents' ? raw(records[x]!, amountColumn(x)) : cell(x, c));
          report(r, at, 'csv_disagree', { first: first + 1, value: shown(r) || '∅', other: shown(first) || '∅' });
        }
      }
    }
    const requirementRows: number[] = [];
    const requirements: unknown[] = [];
    const contactRows: number[] = [];
    const contacts: unknown[] = [];
    const seenEmails = new Set<string>();
    for (const r of rows) {
      const kind = cell(r, 'requirement_kind'),
        count = cell(r, 'requirement_count');
      const anchor = cell(r, 'due_anchor'),
        offset = cell(r, 'due_offset'),
        date = cell(r, 'due_date');
      if (kind || count || anchor || offset || date) {
        requirementRows.push(r);
        requirements.push({
          kind,
          count: count === '' ? undefined : /^-?\d+(\.\d+)?$/.test(count) ? Number(count) : count,
          due: date ? (anchor || offset ? { date, anchor, offset } : { date }) : { anchor, offset },
        });
      }
      const contactName = cell(r, 'contact_name'),
        email = cell(r, 'contact_email'),
        locale = cell(r, 'contact_locale');
      if ((contactName || email) && !seenEmails.has(email.toLowerCase())) {
        seenEmails.add(email.toLowerCase());
        contactRows.push(r);
        contacts.push({ name: contactName, email, locale: locale || undefined });
      }
    }
    const amountText = cell(first, 'amount_cents');
    const amount =
      amountText === ''
        ? undefined
        : {
            value: /^-?\d+$/.test(amountText) ? Number(amountText) : amountText,
            currency: cell(first, 'currency') || 'CAD',
          };
    const { draft, issues: found } = readAgreement({
      externalRef: ref,
      programmeCode: cell(first, 'programme_code'),
      title: cell(first, 'title'),
      amount,
      startDate: cell(first, 'start_date'),
      endDate: cell(first, 'end_date'),
      signedAt: cell(first, 'signed_at') || undefined,
      grantee: { name: cell(first, 'grantee_name'), neq: cell(first, 'grantee_neq') || undefined, contacts },
      requirements: requirements.length > 0 ? requirements : undefined,
    });
    const place = (path: string): { record: number; column: CsvColumn } => {
      const at = locateInCsv(path, first, requirementRows, contactRows);
      return at.column === 'amount_cents' ? { ...at, column: amountColumn(at.record) } : at;
    };
    for (const i of found) {
      const at = place(i.path);
      if (isReported(at.record, at.column)) continue; // already named by the cell's own reading
      issues.push({
        row: at.record + 1,
        column: name(at.column),
        code: i.code,
        ...(i.params ? { params: i.params } : {}),
      });
    }
    const locate = (path: string): { row: number; column: string } => {
      const at = place(path);
      return { row: at.record + 1, column: name(at.column) };
    };
    agreements.push({ draft, firstRow: first + 1, locate });
  }
  return { agreements, issues };
}

const PATH_TO_COLUMN: Array<[RegExp, CsvColumn]> = [
  [/^externalRef$/, 'external_ref'],
  [/^programmeCode$/, 'programme_code'],
  [/^title$/, 'title'],
  [/^amount\.value$/, 'amount_cents'],
  [/^amount\.currency$/, 'currency'],
  [/^amount$/, 'amount_cents'],
  [/^startDate$/, 'start_date'],
  [/^endDate$/, 'end_date'],
  [/^signedAt$/, 'signed_at'],
  [/^grantee\.name$/, 'grantee_name'],
  [/^grantee\.neq$/, 'grantee_neq'],
  [/^grantee\.contacts\[\d+\]$/, 'contact_email'],
  [/^grantee\.contacts\[\d+\]\.name$/, 'contact_name'],
  [/^grantee\.contacts\[\d+\]\.email$/, 'contact_email'],
  [/^grantee\.contacts\[\d+\]\.locale$/, 'contact_locale'],
  [/^requirements\[\d+\]$/, 'requirement_kind'],
  [/^requirements\[\d+\]\.kind$/, 'requirement_kind'],
  [/^requirements\[\d+\]\.count$/, 'requirement_count'],
  [/^requirements\[\d+\]\.due\.anchor$/, 'due_anchor'],
  [/^requirements\[\d+\]\.due\.offset$/, 'due_offset'],
  [/^requirements\[\d+\]\.due\.date$/, 'due_date'],
  [/^requirements\[\d+\]\.due$/, 'due_offset'],
];

/** The record (index in the parsed records) and column an issue's path points to. */
function locateInCsv(
  path: string,
  firstRecord: number,
  requirementRows: number[],
  contactRows: number[],
): { record: number; column: CsvColumn } {
  const column = PATH_TO_COLUMN.find(([re]) => re.test(path))?.[1] ?? 'external_ref';
  const req = /^requirements\[(\d+)\]/.exec(path);
  const con = /^grantee\.contacts\[(\d+)\]/.exec(path);
  const record = req ? requirementRows[Number(req[1])] : con ? contactRows[Number(con[1])] : firstRecord;
  return { record: record ?? firstRecord, column };
}

export type { Issue };
