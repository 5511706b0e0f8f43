import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import type { ComplianceReport } from '../domain/compliance';
import { auditHeadText } from '../domain/audit-anchor';
import { formatInt, messages } from '../domain/i18n';
import { reportTables, scopeText, type ReportTable } from '../domain/report-tables';

/**
 * Fonts embedded in every PDF (pdfkit's standard fonts are WinAnsi only: no "’", no narrow no-break
 * space): Debian's fonts-dejavu-core, never downloaded. They are named by path everywhere, never by a
 * registered alias: pdfkit caches an opened font under the name it was asked for, and its table cells
 * switch back to the previous font by its source, so an alias would re-parse the TTF for every cell.
 */
export const FONT_REGULAR = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
export const FONT_BOLD = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const REGULAR = FONT_REGULAR;
const BOLD = FONT_BOLD;

const MARGIN = 40;
const PAGE_W = 595.28,
  PAGE_H = 841.89; // A4
const CONTENT_W = PAGE_W - 2 * MARGIN;
/** Lowest y a block may reach; the page number sits below it. */
const BOTTOM = PAGE_H - MARGIN - 20;
const CELL_FONT = 8;
const CELL_PAD = 2.5;
const LANG = { fr: 'fr-CA', en: 'en-CA' } as const;

/** Relative column widths of each table on A4 portrait (every column kept, cells wrap). */
const WIDTHS = {
  summary: [4, 1],
  byStatus: [4, 1],
  byMonth: [1.6, 1.2, 1.3, 1.2, 1.2, 1.2, 1.2, 1.2, 1.3],
  overdue: [1.45, 2.45, 2.0, 2.5, 2.2, 1.5, 1.3, 1.0],
  grantees: [3.4, 1.7, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1.4],
  withdrawn: [1.6, 2.6, 3.6, 2.4, 1.5],
  contacts: [3, 2.6, 3, 1, 1.5],
} satisfies Record<keyof ReturnType<typeof reportTables>, number[]>;

type Struct = PDFKit.PDFStructureElement;
/** pdfkit's structure options; its types omit `scope` (a TH's Table attribute), which it supports */
type StructOptions = Parameters<PDFKit.PDFDocument['struct']>[1];

/**
 * The report on A4 as a tagged PDF (structure tree, language, title): the same content and order as
 * the HTML page. Tables are pdfkit tables whose cells wrap: every organisation name and reference is
 * printed in full. pdfkit does not repeat a table's header on a new page, so rows are measured first
 * and each page gets its own table with the header row. A heading never ends a page: it moves to the
 * next one with what follows it. `chartSvg` is the chart of adapters/render-chart (same as in HTML).
 */
export function renderPdf(r: ComplianceReport, chartSvg: string): Promise<Buffer> {
  const m = messages[r.locale];
  const L = r.locale;
  const n = (v: number): string => formatInt(v, L);
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    autoFirstPage: true,
    lang: LANG[L],
    info: {
      Title: `${m.title} — ${r.asOf}`,
      Producer: 'praxis-compliance reports',
      Creator: 'praxis-compliance',
      CreationDate: new Date(r.generatedAt),
    },
    displayTitle: true,
    pdfVersion: '1.7',
    tagged: true,
  });
  doc.font(REGULAR);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const root = doc.struct('Document');
  doc.addStructure(root);
  let y = MARGIN;
  const newPage = (): void => {
    doc.addPage();
    y = MARGIN;
  };
  /** Starts a new page unless `h` points still fit on this one. */
  const need = (h: number): void => {
    if (y + h > BOTTOM && y > MARGIN) newPage();
  };
  const textHeight = (text: string, size: number, font: string, width = CONTENT_W): number => {
    doc.font(font).fontSize(size);
    return doc.heightOfString(text, { width });
  };

  // ---- blocks (each measures itself so a heading can be kept with its first block) ----
  type Block = { height: () => number; draw: (parent: Struct) => void };
  const para = (text: string, size = 10, font = REGULAR, type = 'P'): Block => ({
    height: () => textHeight(text, size, font) + 6,
    draw: (parent) => {
      const h = textHeight(text, size, font);
      need(h);
      const at = y;
      parent.add(
        doc.struct(type, {}, () => {
          doc.font(font).fontSize(size).fillColor('#000000');
          doc.text(text, MARGIN, at, { width: CONTENT_W });
        }),
      );
      y = at + h + 6;
    },
  });

  const cellW = (rel: number[]): number[] => {
    const scale = CONTENT_W / rel.reduce((s, w) => s + w, 0);
    return rel.map((w) => w * scale);
  };

  // ---- table layout: every cell measured once ----
  // pdfkit's doc.table wraps each cell's text several times (sizing, then drawing); a report's long
  // tables repeat few distinct strings (dates, statuses, kinds), so each (font, width, text) is measured
  // once here: one width when it fits on one line (drawn without wrapping), else one wrapped height.
  doc.fontSize(CELL_FONT);
  const LINE_H = doc.font(REGULAR).currentLineHeight(true);
  /** a cell's text in a column `inner` wide: its width when it fits on one line, else its wrapped height */
  interface Fit {
    oneLine: boolean;
    width: number;
    height: number;
  }
  const measured = new Map<string, Fit>();
  const fit = (text: string, font: string, inner: number): Fit => {
    const key = `${font === BOLD ? 'b' : 'r'}${inner.toFixed(2)}|${text}`;
    let f = measured.get(key);
    if (f === undefined) {
      doc.font(font).fontSize(CELL_FONT);
      const width = doc.widthOfString(text);
      f =
        !text.includes('\n') && width <= inner
          ? { oneLine: true, width, height: LINE_H }
          : { oneLine: false, width: inner, height: doc.heightOfString(text, { width: inner }) };
      measured.set(key, f);
    }
    return f;
  };
  interface RowBox {
    cells: string[];
    fits: (Fit | null)[];
    height: number;
  }
  const rowBox = (cells: string[], widths: number[], font: string): RowBox => {
    let h = LINE_H;
    const fits = cells.map((c, i) => {
      if (!c) return null;
      const f = fit(c, font, widths[i]! - 2 * CELL_PAD);
      if (f.height > h) h = f.height;
      return f;
    });
    return { cells, fits, height: h + 2 * CELL_PAD };
  };

  /**
   * One page's part of a table, tagged Table > TR > TH/TD: the header row (TH scope Column), then the
   * rows (the first cell TH scope Row). Grid lines and the header's shading are layout artifacts.
   */
  const drawTablePage = (sect: Struct, t: ReportTable, widths: number[], head: RowBox, rows: RowBox[]): void => {
    const tbl = doc.struct('Table');
    sect.add(tbl);
    const xs = widths.reduce<number[]>((acc, w) => [...acc, acc[acc.length - 1]! + w], [MARGIN]);
    const top = y;
    doc.markContent('Artifact', { type: 'Layout' });
    doc.rect(MARGIN, top, CONTENT_W, head.height).fill('#eeeeee');
    doc.endMarkedContent();
    doc.fillColor('#000000');
    const ys: number[] = [top];
    let font = '';
    const drawRow = (row: RowBox, header: boolean): void => {
      const tr = doc.struct('TR');
      tbl.add(tr);
      const at = y;
      row.cells.forEach((text, i) => {
        const th = header || i === 0;
        const cellFont = header ? BOLD : REGULAR;
        const inner = widths[i]! - 2 * CELL_PAD;
        const right = !header && t.numeric.includes(i);
        tr.add(
          doc.struct(th ? 'TH' : 'TD', (th ? { scope: header ? 'Column' : 'Row' } : {}) as StructOptions, () => {
            const f = row.fits[i];
            if (!f) return;
            if (font !== cellFont) doc.font((font = cellFont));
            const x = xs[i]! + CELL_PAD;
            // one line: drawn as is (no second wrap), right-aligned by its measured width
            if (f.oneLine) doc.text(text, right ? x + inner - f.width : x, at + CELL_PAD, { lineBreak: false });
            else doc.text(text, x, at + CELL_PAD, { width: inner, align: right ? 'right' : 'left' });
          }),
        );
      });
      tr.end();
      y = at + row.height;
      ys.push(y);
    };
    doc.fontSize(CELL_FONT);
    drawRow(head, true);
    for (const r of rows) drawRow(r, false);
    tbl.end();
    doc.markContent('Artifact', { type: 'Layout' });
    doc.save().lineWidth(0.5).strokeColor('#b0b0b0');
    for (const ly of ys) doc.moveTo(MARGIN, ly).lineTo(MARGIN + CONTENT_W, ly);
    for (const lx of xs) doc.moveTo(lx, top).lineTo(lx, y);
    doc.stroke().restore();
    doc.endMarkedContent();
  };

  /** A report table: its caption, then one table per page, each starting with the header row. */
  const table = (t: ReportTable, rel: number[]): Block => {
    const widths = cellW(rel);
    let sized: { head: RowBox; rows: RowBox[]; caption: number } | null = null;
    const measure = () =>
      (sized ??= {
        caption: textHeight(t.caption, 9, BOLD) + 4,
        head: rowBox(t.head, widths, BOLD),
        rows: t.rows.map((row) => rowBox(row, widths, REGULAR)),
      });
    return {
      // the caption, the header and the first row stay together
      height: () => {
        const s = measure();
        return s.caption + s.head.height + (s.rows[0]?.height ?? 0);
      },
      draw: (parent) => {
        const s = measure();
        const sect = doc.struct('Sect');
        parent.add(sect);
        need(s.caption + s.head.height + (s.rows[0]?.height ?? 0));
        para(t.caption, 9, BOLD).draw(sect);
        y -= 2;
        let i = 0;
        do {
          if (i > 0) newPage();
          let room = BOTTOM - y - s.head.height;
          const from = i;
          // at least one row per page, even one taller than a page
          while (i < s.rows.length && (i === from || s.rows[i]!.height <= room)) room -= s.rows[i++]!.height;
          drawTablePage(sect, t, widths, s.head, s.rows.slice(from, i));
        } while (i < s.rows.length);
        sect.end();
        y += 10;
      },
    };
  };

  const chart = (): Block => {
    const [, w, h] = /<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"/.exec(chartSvg) ?? [];
    const drawH = (CONTENT_W * Number(h ?? 300)) / Number(w ?? 600);
    return {
      height: () => drawH + 8,
      draw: (parent) => {
        need(drawH + 8);
        const at = y;
        parent.add(
          doc.struct('Figure', { alt: m.chartAlt }, () => {
            SVGtoPDF(doc, chartSvg, MARGIN, at, {
              width: CONTENT_W,
              height: drawH,
              preserveAspectRatio: 'xMinYMin meet',
              fontCallback: (_family: string, bold: boolean) => (bold ? BOLD : REGULAR),
              warningCallback: () => undefined,
            });
          }),
        );
        y = at + drawH + 8;
      },
    };
  };

  /** A section: its heading is kept on the same page as the first block after it. */
  const section = (title: string, blocks: Block[]): void => {
    const sect = doc.struct('Sect');
    root.add(sect);
    const headingH = textHeight(title, 14, BOLD) + 12;
    need(headingH + (blocks[0]?.height() ?? 0));
    y += 6;
    para(title, 14, BOLD, 'H2').draw(sect);
    for (const b of blocks) b.draw(sect);
    sect.end();
  };

  const tables = reportTables(r);
  para(m.title, 20, BOLD, 'H1').draw(root);
  para(`${m.asOf} ${r.asOf} · ${m.generatedAt} ${r.generatedAt}`).draw(root);
  para(scopeText(r)).draw(root);
  section(m.definitionHeading, [para(r.definition[L], 9)]);
  section(m.summary, [table(tables.summary, WIDTHS.summary), table(tables.byStatus, WIDTHS.byStatus)]);
  section(m.chartHeading, [chart(), table(tables.byMonth, WIDTHS.byMonth)]);
  section(`${m.overdueHeading} (${n(r.overdue.length)})`, [
    ...(r.overdue.length ? [table(tables.overdue, WIDTHS.overdue)] : [para(m.none)]),
    ...(tables.overdue.after ? [para(tables.overdue.after, 10, BOLD)] : []),
  ]);
  section(m.grantees, [table(tables.grantees, WIDTHS.grantees)]);
  section(`${m.withdrawnHeading} (${n(r.withdrawnEvidence.length)})`, [
    r.withdrawnEvidence.length ? table(tables.withdrawn, WIDTHS.withdrawn) : para(m.none),
  ]);
  section(`${m.contactsHeading} (${n(r.failingContacts.length)})`, [
    r.failingContacts.length ? table(tables.contacts, WIDTHS.contacts) : para(m.none),
  ]);
  // The audit chain head, printed last so a reader can compare it with a later export, and as the
  // line `POST /v1/audit/verify` takes back (seq, hash, when read): the published anchor.
  if (r.auditHead)
    section(m.auditHeadHeading, [
      para(m.auditHeadText(String(r.auditHead.seq), r.auditHead.hash), 9),
      para(auditHeadText(r.auditHead, L).line, 8),
      para(auditHeadText(r.auditHead, L).keep, 9),
    ]);
  root.end();

  // Page numbers once the page count is known; marked as pagination artifacts, outside the structure
  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    // writing inside the bottom margin would make pdfkit open a new page
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.markContent('Artifact', { type: 'Pagination' });
    doc
      .font(REGULAR)
      .fontSize(8)
      .fillColor('#555555')
      .text(`${m.title} — ${r.asOf} · ${m.pageOf(i + 1, range.count)}`, MARGIN, PAGE_H - MARGIN - 10, {
        width: CONTENT_W,
        align: 'center',
        lineBreak: false,
      });
    doc.endMarkedContent();
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
