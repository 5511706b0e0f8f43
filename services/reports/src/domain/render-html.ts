import type { ComplianceReport } from './compliance';
import { STATUSES, formatInt, messages, type Status } from './i18n';
import { auditHeadText } from './audit-anchor';
import { reportTables, type ReportTable } from './report-tables';

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

/** Stacked bars of obligations per due month and status; the table after it carries the same data. */
export function statusChartSvg(r: ComplianceReport): string {
  const m = messages[r.locale];
  const months = r.byMonth;
  const barW = 18,
    gap = 6,
    left = 48,
    top = 16,
    plotH = 220,
    legendH = 24 * Math.ceil(STATUSES.length / 4);
  const width = Math.max(640, left + 16 + months.length * (barW + gap));
  const height = top + plotH + 40 + legendH;
  const max = Math.max(1, ...months.map((x) => STATUSES.reduce((s, k) => s + x.byStatus[k], 0)));
  const y = (v: number): number => top + plotH - (v / max) * plotH;
  const parts: string[] = [];
  for (let t = 0; t <= 4; t++) {
    const v = Math.round((max * t) / 4);
    parts.push(
      `<line x1="${left}" x2="${width - 8}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e0e0e0"/>`,
      `<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11">${esc(formatInt(v, r.locale))}</text>`,
    );
  }
  months.forEach((mo, i) => {
    const x = left + 8 + i * (barW + gap);
    let acc = 0;
    for (const s of STATUSES) {
      const n = mo.byStatus[s];
      if (!n) continue;
      const y0 = y(acc + n),
        h = y(acc) - y(acc + n);
      parts.push(
        `<rect x="${x}" y="${y0.toFixed(1)}" width="${barW}" height="${Math.max(h, 0.5).toFixed(1)}" fill="${STATUS_COLOURS[s]}"><title>${esc(`${mo.month} — ${m.statuses[s]} : ${n}`)}</title></rect>`,
      );
      acc += n;
    }
    if (months.length <= 36 || i % Math.ceil(months.length / 36) === 0) {
      parts.push(
        `<text x="${x + barW / 2}" y="${top + plotH + 14}" text-anchor="end" font-size="10" transform="rotate(-45 ${x + barW / 2} ${top + plotH + 14})">${esc(mo.month)}</text>`,
      );
    }
  });
  STATUSES.forEach((s, i) => {
    const lx = left + (i % 4) * 150,
      ly = top + plotH + 40 + Math.floor(i / 4) * 20;
    parts.push(
      `<rect x="${lx}" y="${ly}" width="12" height="12" fill="${STATUS_COLOURS[s]}"/>`,
      `<text x="${lx + 16}" y="${ly + 10}" font-size="11">${esc(m.statuses[s])}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title chart-desc" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">
<title id="chart-title">${esc(m.chartHeading)}</title>
<desc id="chart-desc">${esc(m.chartDesc)}</desc>
${parts.join('\n')}
</svg>`;
}

/** The report as one accessible HTML page in the report's locale (also the monthly email's body). */
export function renderHtml(r: ComplianceReport): string {
  const m = messages[r.locale];
  const L = r.locale;
  const n = (v: number): string => formatInt(v, L);
  const tables = reportTables(r);
  const scope = `${m.funders} : ${r.scope.funders.map((f) => f.name).join(', ') || '—'} · ${m.programme} : ${r.scope.programme ? `${r.scope.programme.code} — ${r.scope.programme.name}` : m.allProgrammes}`;
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
<figure>${statusChartSvg(r)}<figcaption>${esc(m.chartDesc)}</figcaption></figure>
<details><summary>${esc(m.chartTableCaption)}</summary>
${table(tables.byMonth)}
</details></section>`);
  sections.push(`<section aria-labelledby="over"><h2 id="over">${esc(m.overdueHeading)} (${n(r.overdue.length)})</h2>
${r.overdue.length ? table(tables.overdue) : `<p>${esc(m.none)}</p>`}
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
