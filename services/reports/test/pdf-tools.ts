/**
 * What a reader's tools get from a PDF, with Debian's poppler-utils (pdftotext, pdfinfo, pdftoppm;
 * installed by scripts/dev.sh): the text in content order, the document's properties, page images.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function withFile<T>(pdf: Buffer, f: (file: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-pdf-'));
  try {
    const file = path.join(dir, 'report.pdf');
    fs.writeFileSync(file, pdf);
    return f(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `pdftotext -raw`: the text in the order it was drawn (a table cell's wrapped lines stay together). */
export function pdfText(pdf: Buffer): string {
  return withFile(pdf, (file) => execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }));
}

/** `pdfinfo` as key → value. */
export function pdfInfo(pdf: Buffer): Record<string, string> {
  const out = withFile(pdf, (file) => execFileSync('pdfinfo', [file], { encoding: 'utf8' }));
  return Object.fromEntries(
    out
      .split('\n')
      .filter((l) => l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]),
  );
}

/** `pdfinfo -struct`: the structure tree, one element per line, indented by depth. */
export function pdfStructure(pdf: Buffer): string {
  return withFile(pdf, (file) => execFileSync('pdfinfo', ['-struct', file], { encoding: 'utf8', maxBuffer: 1 << 28 }));
}

/** The pages as PNG images under `.test-results/<name>/` (gitignored), for a person to look at. */
export function savePageImages(pdf: Buffer, name: string, pages = 4): string[] {
  const dir = path.resolve(__dirname, '../../../.test-results', name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  withFile(pdf, (file) => {
    fs.copyFileSync(file, path.join(dir, 'report.pdf'));
    execFileSync('pdftoppm', ['-r', '60', '-png', '-f', '1', '-l', String(pages), file, path.join(dir, 'page')]);
  });
  return fs.readdirSync(dir).filter((f) => f.endsWith('.png'));
}

/** Text with every run of white space (a wrapped line, a cell boundary) as one space. */
export const flat = (s: string): string => s.replace(/\s+/g, ' ');
