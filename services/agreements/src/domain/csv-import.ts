/**
 * CSV import rules (pure): header check, rows grouped by external_ref into agreement drafts, and
 * every problem located as {row, column}. Rows are numbered as a spreadsheet shows them: the header
 * is row 1, the first data row is row 2 (a quoted field spanning lines stays one row).
 */
import { readAgreement, type AgreementDraft, type Issue } from './agreement';
import type { MessageCode } from './messages';

/** Columns that describe the agreement: every row of one external_ref must agree on them. */
const AGREEMENT_COLUMNS = [
  'programme_code',
  'title',
  'amount_cents',
  'currency',
  'start_date',
  'end_date',
  'signed_at',
  'grantee_name',
  'grantee_neq',
] as const;
/** The file's header: the key, the agreement's columns, then one contact and one requirement a row. */
export const CSV_COLUMNS = [
  'external_ref',
  ...AGREEMENT_COLUMNS,
  'contact_name',
  'contact_email',
  'contact_locale',
  'requirement_kind',
  'requirement_count',
  'due_anchor',
  'due_offset',
  'due_date',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];
const REQUIRED_COLUMNS: CsvColumn[] = [
  'external_ref',
  'programme_code',
  'title',
  'start_date',
  'end_date',
  'grantee_name',
];

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

function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/** Picks the delimiter from the header line: Excel in French locales writes semicolons. */
export function detectDelimiter(text: string): ',' | ';' {
  const firstLine = text.slice(0, Math.max(0, text.indexOf('\n')) || text.length);
  const count = (ch: string): number => firstLine.split(ch).length - 1;
  return count(';') > count(',') ? ';' : ',';
}

/**
 * Maps parsed records (records[0] = header) to agreement drafts. Returns every issue found; the
 * caller stores nothing when there is any.
 */
export function readCsvRecords(records: string[][]): { agreements: CsvAgreement[]; issues: CsvIssue[] } {
  const issues: CsvIssue[] = [];
  const header = (records[0] ?? []).map((h) =>
    h
      .replace(/^\uFEFF/, '')
      .trim()
      .toLowerCase(),
  );
  const index = new Map<CsvColumn, number>();
  header.forEach((h, i) => {
    if ((CSV_COLUMNS as readonly string[]).includes(h)) {
      if (index.has(h as CsvColumn)) issues.push({ row: 1, column: h, code: 'csv_duplicate_column' });
      else index.set(h as CsvColumn, i);
    } else {
      const hint = CSV_COLUMNS.filter((c) => !header.includes(c))
        .map((c) => [c, levenshtein(h, c)] as const)
        .sort((x, y) => x[1] - y[1])[0];
      issues.push({
        row: 1,
        column: h || `#${i + 1}`,
        code: 'csv_unknown_column',
        params: { hint: hint && hint[1] <= 3 ? hint[0] : '' },
      });
    }
  });
  for (const c of REQUIRED_COLUMNS) if (!index.has(c)) issues.push({ row: 1, column: c, code: 'csv_missing_column' });
  if (issues.length > 0) return { agreements: [], issues };

  const cell = (rec: string[], c: CsvColumn): string => {
    const i = index.get(c);
    return i === undefined ? '' : (rec[i] ?? '').trim();
  };
  const groups = new Map<string, number[]>();
  for (let r = 1; r < records.length; r++) {
    const rec = records[r]!;
    if (rec.every((c) => c.trim() === '')) continue; // a row left blank by a spreadsheet
    if (rec.length !== header.length) {
      issues.push({
        row: r + 1,
        column: header[Math.min(rec.length, header.length) - 1] ?? '',
        code: 'csv_field_count',
        params: { got: rec.length, expected: header.length },
      });
      continue;
    }
    const ref = cell(rec, 'external_ref');
    if (!ref) {
      issues.push({ row: r + 1, column: 'external_ref', code: 'required' });
      continue;
    }
    const g = groups.get(ref);
    if (g) g.push(r);
    else groups.set(ref, [r]);
  }

  const agreements: CsvAgreement[] = [];
  for (const [ref, rows] of groups) {
    const first = records[rows[0]!]!;
    for (const r of rows.slice(1)) {
      for (const c of AGREEMENT_COLUMNS) {
        const a = cell(first, c),
          b = cell(records[r]!, c);
        if (a !== b)
          issues.push({
            row: r + 1,
            column: c,
            code: 'csv_disagree',
            params: { first: rows[0]! + 1, value: b || '∅', other: a || '∅' },
          });
      }
    }
    const requirementRows: number[] = [];
    const requirements: unknown[] = [];
    const contactRows: number[] = [];
    const contacts: unknown[] = [];
    const seenEmails = new Set<string>();
    for (const r of rows) {
      const rec = records[r]!;
      const kind = cell(rec, 'requirement_kind'),
        count = cell(rec, 'requirement_count');
      const anchor = cell(rec, 'due_anchor'),
        offset = cell(rec, 'due_offset'),
        date = cell(rec, 'due_date');
      if (kind || count || anchor || offset || date) {
        requirementRows.push(r);
        requirements.push({
          kind,
          count: count === '' ? undefined : /^-?\d+(\.\d+)?$/.test(count) ? Number(count) : count,
          due: date ? (anchor || offset ? { date, anchor, offset } : { date }) : { anchor, offset },
        });
      }
      const name = cell(rec, 'contact_name'),
        email = cell(rec, 'contact_email'),
        locale = cell(rec, 'contact_locale');
      if ((name || email) && !seenEmails.has(email.toLowerCase())) {
        seenEmails.add(email.toLowerCase());
        contactRows.push(r);
        contacts.push({ name, email, locale: locale || undefined });
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
    const locate = (path: string): { row: number; column: string } =>
      locateInCsv(path, rows[0]!, requirementRows, contactRows);
    for (const i of found) issues.push({ ...locate(i.path), code: i.code, ...(i.params ? { params: i.params } : {}) });
    agreements.push({ draft, firstRow: rows[0]! + 1, locate });
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

function locateInCsv(
  path: string,
  firstRecord: number,
  requirementRows: number[],
  contactRows: number[],
): { row: number; column: string } {
  const column = PATH_TO_COLUMN.find(([re]) => re.test(path))?.[1] ?? 'external_ref';
  const req = /^requirements\[(\d+)\]/.exec(path);
  const con = /^grantee\.contacts\[(\d+)\]/.exec(path);
  const record = req ? requirementRows[Number(req[1])] : con ? contactRows[Number(con[1])] : firstRecord;
  return { row: (record ?? firstRecord) + 1, column };
}

export type { Issue };
