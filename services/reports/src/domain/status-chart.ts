import type { ComplianceReport } from './compliance';
import { STATUSES, messages, type Status } from './i18n';

export const STATUS_COLOURS: Record<Status, string> = {
  upcoming: '#9ecae1',
  due_soon: '#fdd49e',
  overdue: '#d7301f',
  fulfilled: '#238b45',
  extended: '#807dba',
  waived: '#bdbdbd',
  cancelled: '#636363',
  evidence_withdrawn: '#fc8d59',
};

/** Size of the chart in CSS pixels; the PDF scales the same SVG to its text width. */
export const CHART_WIDTH = 560;
export const CHART_HEIGHT = 200;

/**
 * The Vega-Lite spec of the report's chart: stacked bars of obligations per due month and status.
 * Pure data (no vega import): the adapter compiles and draws it. Choices that fix what readers saw:
 * month labels stay horizontal and vega drops the ones that would collide (no rotated labels running
 * into the legend), the legend sits below the axis title, and the count axis only ticks integers
 * (`tickMinStep: 1`, format `d`: with 0..3 obligations the labels are 0, 1, 2, 3, never 0 0 1 1 1).
 */
export function statusChartSpec(r: ComplianceReport): Record<string, unknown> {
  const m = messages[r.locale];
  const values = r.byMonth.flatMap((x) =>
    STATUSES.map((s, order) => ({ month: x.month, status: m.statuses[s], order, count: x.byStatus[s] })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    background: 'white',
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: {
        field: 'month',
        type: 'ordinal',
        sort: r.byMonth.map((x) => x.month),
        title: m.month,
        axis: { labelAngle: 0, labelOverlap: 'parity', labelPadding: 4 },
      },
      y: {
        field: 'count',
        type: 'quantitative',
        aggregate: 'sum',
        title: m.count,
        axis: { tickMinStep: 1, format: ',d' },
      },
      color: {
        field: 'status',
        type: 'nominal',
        title: m.status,
        scale: { domain: STATUSES.map((s) => m.statuses[s]), range: STATUSES.map((s) => STATUS_COLOURS[s]) },
        legend: { orient: 'bottom', direction: 'horizontal', columns: 4, symbolType: 'square', offset: 12 },
      },
      order: { field: 'order', type: 'quantitative' },
    },
    // vega's own ARIA labels are English sentences; the SVG gets the report's title and description instead
    config: { font: 'DejaVu Sans', aria: false, view: { stroke: null } },
  };
}

/** Number formatting inside the chart, as the report's tables write numbers (fr: narrow no-break space). */
export function chartLocale(r: ComplianceReport): Record<string, unknown> {
  return r.locale === 'fr'
    ? { number: { decimal: ',', thousands: '\u202f', grouping: [3], currency: ['', '\u00a0$'] } }
    : { number: { decimal: '.', thousands: ',', grouping: [3], currency: ['$', ''] } };
}
