import { AppError, invalid, type Locale } from '@pc/service-kit';
import { detectDelimiter, readCsvRecords } from '../domain/csv-import';
import { details, issueMessages, issueText } from '../domain/messages';
import { CsvSyntaxError, parseCsv, type CsvEncoding, type Decoded } from '../adapters/csv';
import { registerAgreements, type IntakeDeps } from './register-agreements';

/** Errors listed at most in one response; the detail gives the total. */
const MAX_LISTED_ERRORS = 1000;

/** How long each phase of a successful import took (ms), for the log and the benchmark. */
export interface ImportReport {
  agreements: number;
  obligations: number;
  bytes: number;
  phasesMs: Record<string, number>;
}
export interface ImportResult {
  created: number;
  unchanged: number;
  obligationsCreated: number;
  /** how the file was read: the officer sees it was understood as written */
  encoding: CsvEncoding;
  separator: ',' | ';';
  report: ImportReport;
}

/** The refusal of a file the import cannot decode, in the caller's language. */
function undecodable(decoded: Exclude<Decoded, { ok: true }>, locale: Locale): string {
  switch (decoded.reason) {
    case 'unsupported':
      return details.t(locale, 'encoding', decoded.encoding);
    case 'undefined_byte':
      return details.t(locale, 'encoding_byte', decoded.byte, decoded.line);
    case 'mixed':
      return details.t(locale, 'encoding_mixed', decoded.line);
  }
}

/**
 * POST /v1/agreements/import: a CSV file through the intake, all or nothing. The file must be
 * UTF-8 or Windows-1252 and well formed; every bad row and column is reported at once (422, or 409
 * when the only problem is refs registered with other content) and nothing is written.
 */
export async function importAgreements(
  intake: IntakeDeps,
  funderId: string,
  actorKeyId: string,
  decoded: Decoded,
  locale: Locale,
): Promise<ImportResult> {
  const t0 = performance.now();
  let mark = t0;
  const phases: Record<string, number> = {};
  const lap = (name: string): void => {
    const now = performance.now();
    phases[name] = Math.round(now - mark);
    mark = now;
  };
  if (!decoded.ok) {
    const message = undecodable(decoded, locale);
    throw invalid([{ row: 'line' in decoded ? decoded.line : 1, column: '', message }], message);
  }
  let records: string[][];
  try {
    records = parseCsv(decoded.text);
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    throw invalid(
      [{ row: err.row, column: '', message: issueMessages.t(locale, 'csv_syntax', { value: err.message }) }],
      issueMessages.t(locale, 'csv_syntax', { value: err.message }),
    );
  }
  lap('parse');
  if (records.length < 2)
    throw invalid([{ row: 1, column: '', message: details.t(locale, 'empty_csv') }], details.t(locale, 'empty_csv'));
  const { agreements, issues } = readCsvRecords(records);
  const fail = (list: Array<{ row: number; column: string; message: string }>, conflict = false): never => {
    const sorted = list.sort((a, b) => a.row - b.row);
    const detail = details.t(locale, 'invalid_csv', sorted.length, Math.min(sorted.length, MAX_LISTED_ERRORS));
    throw new AppError(conflict ? 'conflict' : 'validation_failed', detail, sorted.slice(0, MAX_LISTED_ERRORS));
  };
  if (issues.length > 0) fail(issues.map((i) => ({ row: i.row, column: i.column, message: issueText(locale, i) })));
  lap('validate');
  const result = await registerAgreements(
    intake,
    funderId,
    actorKeyId,
    agreements.map((a) => a.draft),
  );
  if (result.kind === 'invalid') {
    // Issues found against the database (unknown programme, ref taken) placed back on their rows.
    const list = result.issues.map(({ index, issue }) => ({
      ...agreements[index]!.locate(issue.path),
      message: issueText(locale, issue),
    }));
    return fail(
      list,
      result.issues.every((i) => i.issue.code === 'conflict_external_ref'),
    );
  }
  const storeMs = Object.values(result.timings).reduce((a, b) => a + b, 0);
  lap('register');
  const report: ImportReport = {
    agreements: result.created,
    obligations: result.obligationsCreated,
    bytes: decoded.text.length,
    phasesMs: {
      ...phases,
      derive_and_check: (phases.register ?? 0) - storeMs,
      ...result.timings,
      total: Math.round(performance.now() - t0),
    },
  };
  delete report.phasesMs.register;
  return {
    created: result.created,
    unchanged: result.unchanged,
    obligationsCreated: result.obligationsCreated,
    encoding: decoded.encoding,
    separator: detectDelimiter(decoded.text),
    report,
  };
}
