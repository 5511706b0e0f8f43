import fs from 'node:fs';
import PDFDocument from 'pdfkit';
import type { ComplianceReport } from '../domain/compliance';
import { STATUSES, formatInt, messages } from '../domain/i18n';
import { STATUS_COLOURS } from '../domain/render-html';
import { auditHeadText } from '../domain/audit-anchor';
import { reportTables, withoutColumn, type ReportTable } from '../domain/report-tables';

/**
 * Fonts embedded in every PDF (pdfkit's standard fonts are WinAnsi only: no "’", no narrow no-break
 * space). Debian's fonts-dejavu-core; read once, never downloaded.
 */
export const FONT_REGULAR = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
export const FONT_BOLD = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
let fonts: { regular: Buffer; bold: Buffer } | null = null;
function loadFonts(): { regular: Buffer; bold: Buffer } {
  fonts ??= { regular: fs.readFileSync(FONT_REGULAR), bold: fs.readFileSync(FONT_BOLD) };
  return fonts;
}

const MARGIN = 40;
const PAGE_W = 595.28,
  PAGE_H = 841.89; // A4
const CONTENT_W = PAGE_W - 2 * MARGIN;
const BOTTOM = PAGE_H - MARGIN - 20;

export interface PdfOptions {
  /** every string drawn, in order (tests compare the PDF's figures with the other formats) */
  onText?: (s: string) => void;
}

/** The same content as the HTML page, paginated on A4 with table headers repeated on each page. */
export function renderPdf(r: ComplianceReport, opts: PdfOptions = {}): Promise<Buffer> {
  const m = messages[r.locale];
  const L = r.locale;
  const n = (v: number): string => formatInt(v, L);
  const f = loadFonts();
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    autoFirstPage: true,
    lang: L,
    info: {
      Title: `${m.title} — ${r.asOf}`,
      Producer: 'praxis-compliance reports',
      Creator: 'praxis-compliance',
      CreationDate: new Date(r.generatedAt),
    },
    displayTitle: true,
    pdfVersion: '1.7',
    tagged: false,
  } as PDFKit.PDFDocumentOptions);
  doc.registerFont('regular', f.regular);
  doc.registerFont('bold', f.bold);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const say = (s: string): string => {
    opts.onText?.(s);
    return s;
  };
  let y = MARGIN;
  const ensure = (h: number): boolean => {
    if (y + h > BOTTOM) {
      doc.addPage();
      y = MARGIN;
      return true;
    }
    return false;
  };
  const para = (text: string, size = 10, font = 'regular'): void => {
    doc.font(font).fontSize(size);
    const h = doc.heightOfString(text, { width: CONTENT_W });
    ensure(h);
    doc.text(say(text), MARGIN, y, { width: CONTENT_W });
    y += h + 6;
  };
  const heading = (text: string): void => {
    ensure(40);
    y += 6;
    para(text, 14, 'bold');
  };
  const fit = (s: string, width: number, size: number): string => {
    const max = Math.max(3, Math.floor(width / (size * 0.56)));
    return s.length > max ? `${s.slice(0, max - 1)}…` : s;
  };
  /** A table of the report; `relWidths` are the columns' widths relative to one another. */
  const table = ({ caption, head, rows, numeric }: ReportTable, relWidths: number[]): void => {
    const size = 8,
      rowH = 13;
    const scale = CONTENT_W / relWidths.reduce((s, w) => s + w, 0);
    const widths = relWidths.map((w) => w * scale);
    const num = (i: number): boolean => numeric.includes(i);
    // Without a `width`, pdfkit skips its line wrapper (the costly part on 10,000-row tables); cells
    // are already cut to fit, and right-aligned ones are placed from the measured string width.
    const cell = (text: string, x: number, w: number, right: boolean): void => {
      say(text);
      if (!text) return;
      const tx = right ? x + w - 2 - doc.widthOfString(text) : x + 2;
      doc.text(text, tx, y + 3, { lineBreak: false });
    };
    const drawHeader = (): void => {
      doc.font('bold').fontSize(size);
      doc.rect(MARGIN, y, CONTENT_W, rowH).fill('#eeeeee').fillColor('#000000');
      let x = MARGIN;
      head.forEach((label, i) => {
        cell(fit(label, widths[i]! - 4, size), x, widths[i]!, num(i));
        x += widths[i]!;
      });
      y += rowH;
    };
    ensure(rowH * 3 + 18);
    para(caption, 10, 'bold');
    drawHeader();
    doc.font('regular').fontSize(size);
    for (const row of rows) {
      if (ensure(rowH)) {
        drawHeader();
        doc.font('regular').fontSize(size);
      }
      let x = MARGIN;
      row.forEach((value, i) => {
        cell(fit(value, widths[i]! - 4, size), x, widths[i]!, num(i));
        x += widths[i]!;
      });
      doc
        .moveTo(MARGIN, y + rowH)
        .lineTo(MARGIN + CONTENT_W, y + rowH)
        .lineWidth(0.3)
        .strokeColor('#cccccc')
        .stroke();
      y += rowH;
    }
    y += 10;
  };

  const tables = reportTables(r);
  // Title and scope
  para(m.title, 20, 'bold');
  para(`${m.asOf} ${r.asOf} · ${m.generatedAt} ${r.generatedAt}`);
  para(
    `${m.funders} : ${r.scope.funders.map((x) => x.name).join(', ') || '—'} · ${m.programme} : ${r.scope.programme ? `${r.scope.programme.code} — ${r.scope.programme.name}` : m.allProgrammes}`,
  );
  heading(m.definitionHeading);
  para(r.definition[L], 9);

  heading(m.summary);
  table(tables.summary, [4, 1]);
  table(tables.byStatus, [4, 1]);

  // Chart: stacked bars per due month, drawn with vector primitives
  heading(m.chartHeading);
  const chartH = 180,
    months = r.byMonth.slice(-48);
  ensure(chartH + 70);
  const max = Math.max(1, ...months.map((x) => STATUSES.reduce((s, k) => s + x.byStatus[k], 0)));
  const left = MARGIN + 36,
    plotW = CONTENT_W - 40;
  const barW = Math.max(2, Math.min(18, plotW / Math.max(1, months.length) - 3));
  doc.font('regular').fontSize(7).fillColor('#000000');
  for (let k = 0; k <= 4; k++) {
    const v = Math.round((max * k) / 4),
      yy = y + chartH - (v / max) * chartH;
    doc
      .moveTo(left, yy)
      .lineTo(left + plotW, yy)
      .lineWidth(0.3)
      .strokeColor('#dddddd')
      .stroke();
    doc.fillColor('#000000').text(say(n(v)), MARGIN, yy - 3, { width: 32, align: 'right', lineBreak: false });
  }
  months.forEach((mo, i) => {
    const x = left + 4 + i * (plotW / Math.max(1, months.length));
    let acc = 0;
    for (const s of STATUSES) {
      const c = mo.byStatus[s];
      if (!c) continue;
      const h = (c / max) * chartH;
      doc.rect(x, y + chartH - ((acc + c) / max) * chartH, barW, Math.max(h, 0.5)).fill(STATUS_COLOURS[s]);
      acc += c;
    }
    if (months.length <= 24 || i % Math.ceil(months.length / 24) === 0) {
      doc
        .save()
        .fillColor('#000000')
        .fontSize(6)
        .rotate(-45, { origin: [x + barW / 2, y + chartH + 4] })
        .text(mo.month, x + barW / 2 - 28, y + chartH + 2, { width: 28, align: 'right', lineBreak: false })
        .restore();
    }
  });
  y += chartH + 34;
  STATUSES.forEach((s, i) => {
    const lx = MARGIN + (i % 4) * (CONTENT_W / 4),
      ly = y + Math.floor(i / 4) * 12;
    doc.rect(lx, ly, 8, 8).fill(STATUS_COLOURS[s]);
    doc
      .fillColor('#000000')
      .fontSize(8)
      .text(say(m.statuses[s]), lx + 11, ly, { lineBreak: false });
  });
  y += 30;
  doc.fillColor('#000000');
  table(tables.byMonth, [2, ...STATUSES.map(() => 1.5)]);

  heading(`${m.overdueHeading} (${n(r.overdue.length)})`);
  if (r.overdue.length) {
    table(withoutColumn(tables.overdue, 1), [2, 3, 3, 2, 1.6, 1.8, 1.2]);
  } else para(m.none);

  heading(m.grantees);
  table(tables.grantees, [4, 1.8, 1.2, 1.3, 1.2, 1.3, 1.3, 1.3, 1.4]);

  heading(`${m.withdrawnHeading} (${n(r.withdrawnEvidence.length)})`);
  if (r.withdrawnEvidence.length) {
    table(tables.withdrawn, [2, 3, 5, 2, 1.6]);
  } else para(m.none);

  heading(`${m.contactsHeading} (${n(r.failingContacts.length)})`);
  if (r.failingContacts.length) {
    table(tables.contacts, [4, 3, 4, 1, 1.6]);
  } else para(m.none);

  // the audit chain head, published (anchoring; README, "Audit trail")
  if (r.auditHead) {
    const a = auditHeadText(r.auditHead, L);
    heading(a.heading);
    para(a.line, 8);
    para(a.keep, 9);
  }

  // Page numbers once the page count is known
  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    // writing inside the bottom margin would make pdfkit open a new page
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('regular')
      .fontSize(8)
      .fillColor('#555555')
      .text(`${m.title} — ${r.asOf} · ${m.page} ${i + 1} ${m.of} ${range.count}`, MARGIN, PAGE_H - MARGIN - 10, {
        width: CONTENT_W,
        align: 'center',
        lineBreak: false,
      });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
