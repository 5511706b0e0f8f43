/**
 * The PDF and the chart as a reader's tools see them: pdftotext, pdfinfo (poppler-utils) and the SVG
 * vega draws. The report models come from test/report-fixture.ts (long organisation names, external
 * references, every status); the HTTP path is covered by reports.test.ts.
 */
import { renderPdf } from '../src/adapters/render-pdf';
import { renderStatusChart, stopChartRenderer } from '../src/adapters/render-chart';
import { renderHtml } from '../src/domain/render-html';
import { buildReport, type ComplianceReport } from '../src/domain/compliance';
import { STATUSES, messages } from '../src/domain/i18n';
import { scopeText } from '../src/domain/report-tables';
import { fixtureReport, fixtureRows } from './report-fixture';
import { flat, pdfInfo, pdfStructure, pdfText, savePageImages } from './pdf-tools';

jest.setTimeout(300_000);
afterAll(() => stopChartRenderer());

/** The visible tick labels of each axis of a vega SVG (vega hides colliding labels with opacity 0). */
function axisLabels(svg: string): string[][] {
  const groups = svg.match(/<g class="mark-text role-axis-label"[^>]*>(?:<text[^>]*>[^<]*<\/text>)*<\/g>/g) ?? [];
  return groups.map((g) =>
    [...g.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)]
      .filter(([, attrs]) => !/opacity="0"/.test(attrs!))
      .map(([, , t]) => t!),
  );
}
const yLabels = (svg: string): string[] => axisLabels(svg).find((ls) => ls.every((l) => /^[\d\s\u202f,.]+$/.test(l)))!;

describe.each(['fr', 'en'] as const)('PDF report over 240 obligations (%s)', (locale) => {
  const { report } = fixtureReport({ obligations: 240, locale });
  const m = messages[locale];
  let pdf: Buffer;
  let text: string;
  let svg: string;
  beforeAll(async () => {
    svg = await renderStatusChart(report);
    pdf = await renderPdf(report, svg);
    text = pdfText(pdf);
  });

  it('prints every organisation name and external reference in full, and never "…"', () => {
    expect(report.overdue.length).toBeGreaterThan(100);
    // a line may break after a hyphen (a wrap, not a cut): compare with those breaks joined
    const joined = (x: string): string => flat(x).replace(/- /g, '-');
    const all = joined(text);
    const names = new Set([...report.grantees.map((g) => g.name), ...report.overdue.map((o) => o.granteeName)]);
    for (const name of names) expect(all).toContain(joined(name));
    for (const o of report.overdue) {
      expect(all).toContain(o.externalRef);
      expect(all).toContain(joined(o.agreementTitle));
    }
    expect(text).not.toContain('…');
  });

  it('is a tagged PDF 1.7 with its title and language, and a real table structure', () => {
    const info = pdfInfo(pdf);
    expect(info.Tagged).toBe('yes');
    expect(info['PDF version']).toBe('1.7');
    expect(info.Title).toBe(`${m.title} — ${report.asOf}`);
    expect(pdf.toString('latin1')).toContain(`/Lang (${locale}-CA)`);
    expect(pdf.toString('latin1')).toContain('/FontFile2');
    const struct = pdfStructure(pdf);
    // poppler writes "TH:" when the element carries attributes (here its header scope)
    const tree = struct.split('\n').map((l) => l.trim().split(' ')[0]!.replace(/:$/, ''));
    expect(struct).toContain('/Scope /Column'); // header row
    expect(struct).toContain('/Scope /Row'); // first cell of each row
    for (const tag of ['Document', 'H1', 'H2', 'P', 'Figure', 'Table', 'TR', 'TH', 'TD']) expect(tree).toContain(tag);
    // one table per page of the outstanding list, each opening with its header row
    expect(tree.filter((t) => t === 'Table').length).toBeGreaterThan(8);
  });

  it('numbers pages "Page N / M", repeats the outstanding table header on each of its pages, and never ends a page on a heading', () => {
    const pages = text.split('\f').filter((p) => p.trim());
    const total = pages.length;
    expect(total).toBeGreaterThan(3);
    pages.forEach((p, i) => expect(p).toContain(m.pageOf(i + 1, total)));
    const header = [m.reference, m.externalRef, m.agreementTitle].join(' ');
    const outstandingPages = pages.filter((p) =>
      report.overdue.some((o) => flat(p).includes(`${o.referenceCode} SUBV-`)),
    );
    expect(outstandingPages.length).toBeGreaterThan(1);
    for (const p of outstandingPages) expect(flat(p)).toContain(header);
    const headings = [m.definitionHeading, m.summary, m.chartHeading, m.grantees].concat(
      [m.overdueHeading, m.withdrawnHeading, m.contactsHeading].map((h) => `${h} (`),
    );
    for (const p of pages) {
      const lines = p.trim().split('\n');
      const lastContent = lines[lines.length - 2] ?? '';
      expect(headings.some((h) => lastContent.startsWith(h))).toBe(false);
    }
    // the chart's heading, the chart and its data table's caption are on one page
    const chartPage = pages.find((p) => p.includes(m.chartHeading))!;
    expect(chartPage).toContain(m.chartTableCaption);
    expect(chartPage).toContain(m.count); // the chart's own axis title, drawn from the SVG
    savePageImages(pdf, `pdf-report-${locale}`);
  });

  it('writes the scope line in the language’s punctuation', () => {
    if (locale === 'en') {
      expect(scopeText(report)).toMatch(/^Funders: .* · Programme: /);
      expect(text).toContain('Funders: ');
      expect(text).not.toMatch(/Funders\s:/);
    } else {
      expect(scopeText(report)).toMatch(/^Bailleurs\u00a0: .* · Programme\u00a0: /);
      expect(flat(text)).toContain(`Bailleurs : ${report.scope.funders[0]!.name}`);
    }
  });

  it('puts the same chart in the HTML page, followed by its data table', () => {
    const html = renderHtml(report, svg);
    expect(html).toContain(svg);
    const after = html.slice(html.indexOf('<svg'));
    expect(after).toContain(`<caption>${m.chartTableCaption}</caption>`);
    expect(svg).toMatch(/^<svg[^>]+role="img"/);
  });
});

describe('chart ticks', () => {
  const reportWith = (counts: number[]): ComplianceReport => {
    const base = buildReport({
      asOf: '2026-11-01',
      generatedAt: '2026-11-01T00:00:00.000Z',
      locale: 'fr',
      scope: { funders: [], programme: null },
      obligations: fixtureRows({ obligations: 1 }),
      withdrawals: [],
      contactFailures: [],
    });
    const zero = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<(typeof STATUSES)[number], number>;
    return {
      ...base,
      byMonth: counts.map((c, i) => ({
        month: `2026-${String(i + 1).padStart(2, '0')}`,
        byStatus: { ...zero, overdue: c },
      })),
    };
  };

  it.each([[[0]], [[1]], [[2, 1]], [[3, 0, 1]], [[40_000, 12_345]], [[7, 999_999]]])(
    'are unique integers for monthly counts %j',
    async (counts) => {
      const labels = yLabels(await renderStatusChart(reportWith(counts)));
      expect(labels.length).toBeGreaterThan(0);
      expect(new Set(labels).size).toBe(labels.length);
      for (const l of labels) expect(l).toMatch(/^\d{1,3}(\u202f\d{3})*$/); // French grouping, no decimals
      const max = Math.max(...counts);
      if (max > 0 && max <= 3) expect(labels).toEqual(Array.from({ length: max + 1 }, (_, i) => String(i)));
    },
  );

  it('keeps month labels horizontal, apart, and above the legend', async () => {
    const svg = await renderStatusChart(reportWith(Array.from({ length: 12 }, (_, i) => i + 1)));
    const axisLabelGroups = svg.match(/<g class="mark-text role-axis-label"[^>]*>.*?<\/g>/g) ?? [];
    expect(axisLabelGroups).toHaveLength(2);
    for (const g of axisLabelGroups) expect(g).not.toMatch(/rotate\(/);
    const months = axisLabels(svg).find((ls) => ls.some((l) => l.startsWith('2026-')))!;
    expect(new Set(months).size).toBe(months.length);
    const legendY = Number(/role-legend"[^>]*><g transform="translate\([\d.]+,([\d.]+)\)/.exec(svg)![1]);
    expect(legendY).toBeGreaterThan(200 + 30); // below the plot (200 px), its month labels and axis title
  });
});
