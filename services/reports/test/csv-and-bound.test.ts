/**
 * The CSV writer (RFC 4180 by hand) read back by csv-parse, and the bound on the outstanding list of
 * the HTML page and the PDF (the JSON and the CSV stay complete).
 */
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { csvRecord, renderCsv } from '../src/adapters/render-csv';
import { renderPdf } from '../src/adapters/render-pdf';
import { renderHtml } from '../src/domain/render-html';
import { reportTables } from '../src/domain/report-tables';
import { formatInt, messages } from '../src/domain/i18n';
import { fixtureReport } from './report-fixture';
import { flat, pdfText } from './pdf-tools';

jest.setTimeout(300_000);

describe('csvRecord', () => {
  const cell = fc.oneof(
    fc.string(),
    fc.string({ unit: fc.constantFrom(';', ',', '"', '\r', '\n', ' ', 'a', 'é', '’') }),
  );
  it.each([';', ','])('reads back to the same cells with separator %j (property)', (sep) => {
    fc.assert(
      fc.property(
        fc.array(fc.array(cell, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
        (records) => {
          // every record has the same width, as in the export
          const width = Math.max(...records.map((r) => r.length));
          const rows = records.map((r) => [...r, ...Array<string>(width - r.length).fill('')]);
          const text = rows.map((r) => csvRecord(r, sep)).join('\r\n') + '\r\n';
          const back = parse(text, {
            delimiter: sep,
            record_delimiter: '\r\n',
            relax_column_count: false,
          }) as string[][];
          // csv-parse reads a record of one empty field as an empty line and skips it
          const expected = rows.filter((r) => !(r.length === 1 && r[0] === ''));
          expect(back.filter((r) => !(r.length === 1 && r[0] === ''))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('quotes only what needs it, doubling quotes', () => {
    expect(csvRecord(['a', 'b;c', 'say "hi"', 'l1\nl2', 'x\ry', 'b,c'], ';')).toBe(
      'a;"b;c";"say ""hi""";"l1\nl2";"x\ry";b,c',
    );
    expect(csvRecord(['b,c', 'd;e'], ',')).toBe('"b,c",d;e');
  });
});

describe.each(['fr', 'en'] as const)('the export and the bounded outstanding list (%s)', (locale) => {
  const { report, rows } = fixtureReport({ obligations: 400, locale });
  const m = messages[locale];
  const n = (v: number) => formatInt(v, locale);
  const SHOWN = 50;

  it('writes a BOM, the locale separator, CRLF, neutralised formulas, and reads back to one row per obligation', () => {
    const csv = renderCsv(
      [{ ...rows[0]!, granteeName: '=HYPERLINK("x")', agreementTitle: 'a;b, "c"\nd' }, ...rows.slice(1)],
      report.asOf,
      locale,
    );
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = csv.toString('utf8');
    expect(text.endsWith('\r\n')).toBe(true);
    const back = parse(text, { bom: true, delimiter: locale === 'fr' ? ';' : ',' }) as string[][];
    expect(back[0]).toEqual([...m.csvHeaders]);
    expect(back).toHaveLength(rows.length + 1);
    expect(back[1]![6]).toBe(`'=HYPERLINK("x")`);
    expect(back[1]![4]).toBe('a;b, "c"\nd');
    expect(back.slice(2).map((r) => r[8])).toEqual(rows.slice(1).map((r) => r.obligationId));
  });

  it('lists the latest outstanding obligations up to the bound, latest first then by grantee, and says how many more', () => {
    expect(report.overdue.length).toBeGreaterThan(SHOWN);
    const t = reportTables(report, SHOWN).overdue;
    expect(t.rows).toHaveLength(SHOWN);
    const more = report.overdue.length - SHOWN;
    expect(t.after).toBe(m.overdueMore(n(more)));
    const latest = [...report.overdue].sort((a, b) => b.daysOverdue - a.daysOverdue).slice(0, SHOWN);
    expect(t.rows.map((r) => r[0]).sort()).toEqual(latest.map((o) => o.referenceCode).sort());
    const days = t.rows.map((r) => Number(r[7]!.replace(/\D/g, '')));
    expect(days).toEqual([...days].sort((a, b) => b - a));
    // the complete list is still in the JSON model
    expect(report.overdue).toHaveLength(report.totals.overdue);
    // under the bound, no line
    expect(reportTables(report, report.overdue.length).overdue.after).toBeUndefined();
  });

  it('prints the bound line in the HTML page and the PDF after 2,000 listed rows', async () => {
    expect(reportTables(report).overdue.after).toBeUndefined(); // 400 obligations: under the default bound
    const { report: big } = fixtureReport({ obligations: 4000, locale });
    const t = reportTables(big).overdue;
    expect(big.overdue.length).toBeGreaterThan(2000);
    expect(t.rows).toHaveLength(2000);
    expect(t.after).toBe(m.overdueMore(n(big.overdue.length - 2000)));
    const html = renderHtml(big, '<svg width="10" height="10"></svg>');
    const listed = html.slice(html.indexOf('aria-labelledby="over"'), html.indexOf('aria-labelledby="gr"'));
    expect(listed.match(/<tr>/g)).toHaveLength(2000 + 1); // the header row and the listed rows
    expect(listed).toContain(`<p class="more">${t.after!}</p>`);
    const text = flat(pdfText(await renderPdf(big, '<svg width="600" height="300"></svg>')));
    expect(text).toContain(flat(t.after!));
    expect(text).not.toContain('…');
  });
});
