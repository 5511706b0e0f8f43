import type { ComplianceReport } from './compliance';
import { formatInt, messages } from './i18n';
import { reportTables, scopeText, type ReportTable } from './report-tables';
import { auditHeadText } from './audit-anchor';

const esc = (s: string | number | null | undefined): string =>
  String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

function table({ caption, head, rows, numeric }: ReportTable): string {
  const th = head.map((h, i) => `<th scope="col"${numeric.includes(i) ? ' class="num"' : ''}>${esc(h)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${esc(c)}</th>` : `<td${numeric.includes(i) ? ' class="num"' : ''}>${esc(c)}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  return `<table>\n<caption>${esc(caption)}</caption>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/**
 * The report as one accessible HTML page in the report's locale (also the monthly email's body).
 * `chartSvg` is the chart drawn by adapters/render-chart (the same SVG the PDF embeds).
 */
export function renderHtml(r: ComplianceReport, chartSvg: string): string {
  const m = messages[r.locale];
  const L = r.locale;
  const n = (v: number): string => formatInt(v, L);
  const tables = reportTables(r);
  const scope = scopeText(r);
  const sections: string[] = [];
  sections.push(`<header><h1>${esc(m.title)}</h1>
<p>${esc(`${m.asOf} ${r.asOf}`)} · ${esc(`${m.generatedAt} ${r.generatedAt}`)}</p>
<p>${esc(scope)}</p></header>`);
  sections.push(
    `<section aria-labelledby="def"><h2 id="def">${esc(m.definitionHeading)}</h2><p>${esc(r.definition[L])}</p></section>`,
  );
  sections.push(`<section aria-labelledby="sum"><h2 id="sum">${esc(m.summary)}</h2>
${table(tables.summary)}
${table(tables.byStatus)}
</section>`);
  sections.push(`<section aria-labelledby="chart"><h2 id="chart">${esc(m.chartHeading)}</h2>
<div class="chart"><figure>${chartSvg}<figcaption>${esc(m.chartDesc)}</figcaption></figure>
${table(tables.byMonth)}
</div></section>`);
  sections.push(`<section aria-labelledby="over"><h2 id="over">${esc(m.overdueHeading)} (${n(r.overdue.length)})</h2>
${r.overdue.length ? table(tables.overdue) : `<p>${esc(m.none)}</p>`}
${tables.overdue.after ? `<p class="more">${esc(tables.overdue.after)}</p>` : ''}
</section>`);
  sections.push(`<section aria-labelledby="gr"><h2 id="gr">${esc(m.grantees)}</h2>
${table(tables.grantees)}
</section>`);
  sections.push(`<section aria-labelledby="wd"><h2 id="wd">${esc(m.withdrawnHeading)} (${n(r.withdrawnEvidence.length)})</h2>
${r.withdrawnEvidence.length ? table(tables.withdrawn) : `<p>${esc(m.none)}</p>`}
</section>`);
  sections.push(`<section aria-labelledby="ct"><h2 id="ct">${esc(m.contactsHeading)} (${n(r.failingContacts.length)})</h2>
${r.failingContacts.length ? table(tables.contacts) : `<p>${esc(m.none)}</p>`}
</section>`);
  if (r.auditHead) {
    const a = auditHeadText(r.auditHead, L);
    sections.push(`<section aria-labelledby="audit"><h2 id="audit">${esc(a.heading)}</h2>
<p><code>${esc(a.line)}</code></p><p>${esc(a.keep)}</p>
</section>`);
  }
  return `<!DOCTYPE html>
<html lang="${L}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`${m.title} — ${r.asOf}`)}</title>
<style>
body{font-family:"DejaVu Sans",Arial,sans-serif;color:#1a1a1a;max-width:70rem;margin:1rem auto;padding:0 1rem;line-height:1.4}
table{border-collapse:collapse;margin:1rem 0;width:100%}caption{text-align:left;font-weight:bold;padding:.25rem 0}
th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}thead th{background:#f0f0f0}
.num{text-align:right;font-variant-numeric:tabular-nums}svg{max-width:100%;height:auto}
.chart{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}.chart figure{margin:0;flex:0 1 600px}.chart table{flex:1 1 24rem;width:auto}
</style>
</head>
<body>
<main>
${sections.join('\n')}
</main>
</body>
</html>
`;
}
