/**
 * pnpm bench report — the compliance report of a funder with 40,000 obligations, in each format.
 * Each format's time is printed beside the raw cost of the same output measured in the same run, and
 * the ratio:
 *  - json: `JSON.stringify` of the obligation rows it summarises (the raw serialisation of that data);
 *  - csv: the same cells joined with separators, no quoting or formula neutralising;
 *  - html: the same cells concatenated into rows with no escaping, plus the chart's SVG (drawn once);
 *  - pdf: pdfkit writing the same strings, one `text()` each with no line wrapping, no tables and no
 *    structure tree, on as many pages.
 * The chart (Vega-Lite → SVG in a worker thread) is timed apart: its first draw pays for loading vega.
 * The report model is built from rows in memory (domain `buildReport`), so the figures are rendering
 * alone; `pnpm bench report-ingest` measures the read model and the HTTP path over the bus.
 * BENCH_OBLIGATIONS changes the size; BENCH_REPEAT the number of runs kept (best of).
 */
import PDFDocument from 'pdfkit';
import { renderCsv } from '../src/adapters/render-csv';
import { FONT_REGULAR, renderPdf } from '../src/adapters/render-pdf';
import { renderStatusChart, stopChartRenderer } from '../src/adapters/render-chart';
import { renderHtml } from '../src/domain/render-html';
import { reportTables } from '../src/domain/report-tables';
import { fixtureReport } from '../test/report-fixture';

const OBLIGATIONS = Number(process.env.BENCH_OBLIGATIONS ?? 40_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 1);
const TARGET_S = { json: 1, csv: 1, html: 3, pdf: 3 } as const;

async function time<T>(f: () => T | Promise<T>): Promise<{ ms: number; out: T }> {
  let best = Infinity;
  let out!: T;
  for (let k = 0; k < REPEAT; k++) {
    const t0 = process.hrtime.bigint();
    out = await f();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: best, out };
}

/** pdfkit writing every string once, no layout: the floor under any PDF of this content. */
function rawPdf(strings: string[]): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 40, pdfVersion: '1.7' });
  doc.font(FONT_REGULAR).fontSize(8);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  let x = 40,
    y = 40;
  for (const s of strings) {
    doc.text(s, x, y, { lineBreak: false });
    x += 64;
    if (x > 500) {
      x = 40;
      y += 11;
      if (y > 780) {
        doc.addPage();
        y = 40;
      }
    }
  }
  doc.end();
  return done;
}

async function main(): Promise<void> {
  const built = await time(() => fixtureReport({ obligations: OBLIGATIONS }));
  const { report, rows } = built.out;
  const tables = Object.values(reportTables(report));
  const strings = tables.flatMap((t) => [t.caption, ...t.head, ...t.rows.flat()]);
  const tableRows = tables.reduce((s, t) => s + t.rows.length, 0);
  console.log(
    `world: ${OBLIGATIONS.toLocaleString('en')} obligations, ${report.grantees.length} grantees, ${report.overdue.length} outstanding, ${report.byMonth.length} months; ${tableRows} table rows, ${strings.length} cells (model built in ${built.ms.toFixed(0)} ms)`,
  );

  const first = await time(() => renderStatusChart(report));
  const chart = await time(() => renderStatusChart(report));
  console.log(
    `chart (vega-lite → svg, worker thread): first ${first.ms.toFixed(0)} ms (loads vega), then ${chart.ms.toFixed(0)} ms`,
  );
  const svg = chart.out;

  const formats: Record<keyof typeof TARGET_S, { run: () => unknown; raw: () => unknown; what: string }> = {
    json: {
      run: () => JSON.stringify(report),
      raw: () => JSON.stringify(rows),
      what: 'JSON.stringify of the rows',
    },
    csv: {
      run: () => renderCsv(rows, report.asOf, report.locale),
      raw: () => rows.map((r) => Object.values(r).join(';')).join('\r\n'),
      what: 'rows joined with ";"',
    },
    html: {
      run: () => renderHtml(report, svg),
      raw: () => svg + strings.map((s) => `<td>${s}</td>`).join(''),
      what: 'cells concatenated unescaped + svg',
    },
    pdf: {
      run: () => renderPdf(report, svg),
      raw: () => rawPdf(strings),
      what: 'pdfkit text() per cell, no layout',
    },
  };
  for (const [name, f] of Object.entries(formats) as [keyof typeof TARGET_S, (typeof formats)['json']][]) {
    const raw = await time(f.raw);
    const run = await time(f.run);
    const out = run.out as string | Buffer;
    const bytes = typeof out === 'string' ? Buffer.byteLength(out) : out.length;
    const verdict = run.ms / 1000 <= TARGET_S[name] ? 'within' : 'OVER';
    console.log(
      `${name.padEnd(4)}: ${(run.ms / 1000).toFixed(2)} s (${(bytes / 1024 / 1024).toFixed(2)} MiB) · raw ${(raw.ms / 1000).toFixed(2)} s (${f.what}) · ratio ${(run.ms / raw.ms).toFixed(1)} · target ≤ ${TARGET_S[name]} s: ${verdict}`,
    );
  }
  await stopChartRenderer();
}

main().catch(async (err: unknown) => {
  console.error(err);
  await stopChartRenderer();
  process.exit(1);
});
