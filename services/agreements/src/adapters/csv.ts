import iconv from 'iconv-lite';
import { detectDelimiter } from '../domain/csv-import';

/** The encodings the import reads, as the import response names them. */
export type CsvEncoding = 'UTF-8' | 'Windows-1252';

export type Decoded =
  | { ok: true; text: string; encoding: CsvEncoding }
  /** an encoding the import does not read (UTF-16, or a declared charset such as Shift_JIS) */
  | { ok: false; reason: 'unsupported'; encoding: string }
  /** a byte Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) in a file that is not UTF-8 */
  | { ok: false; reason: 'undefined_byte'; byte: string; line: number }
  /** UTF-8 text with bytes that are not: decoding the file either way would garble part of it */
  | { ok: false; reason: 'mixed'; line: number };

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Charset labels that mean "decide from the bytes": UTF-8 and its subsets, and the Latin-1 family. */
const READABLE_CHARSETS = new Set([
  'utf8',
  'usascii',
  'ascii',
  'latin1',
  'iso88591',
  'l1',
  'cp819',
  'windows1252',
  'cp1252',
]);

/** Bytes Windows-1252 does not define: iconv-lite turns them into U+FFFD. */
const UNDEFINED_IN_CP1252 = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

/**
 * Bytes → text. A BOM or valid UTF-8 is UTF-8; anything else is Windows-1252, what Excel writes as
 * "CSV (séparateur : point-virgule)" in a French locale. Never ISO-8859-1: there ’ (0x92), « » and
 * œ would become control codes. Validity is a near-certain test for French text: a Windows-1252
 * accent followed by the bytes UTF-8 requires is vanishingly rare. A declared charset of the
 * Latin-1 family or UTF-8 is not trusted over the bytes (tools label files wrongly); any other is
 * refused, named.
 */
export function decodeCsv(bytes: Buffer, declaredCharset?: string): Decoded {
  const cs = (declaredCharset ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
  if (cs && !READABLE_CHARSETS.has(cs)) return { ok: false, reason: 'unsupported', encoding: declaredCharset! };
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    return { ok: false, reason: 'unsupported', encoding: 'UTF-16' };
  }
  try {
    return { ok: true, text: UTF8.decode(bytes), encoding: 'UTF-8' }; // TextDecoder drops a leading BOM
  } catch {
    // not UTF-8: Windows-1252, unless the file is partly UTF-8
  }
  const utf8At = firstUtf8Accent(bytes);
  if (utf8At >= 0) return { ok: false, reason: 'mixed', line: lineOf(bytes, firstInvalidUtf8(bytes)) };
  const undefinedAt = bytes.findIndex((b) => UNDEFINED_IN_CP1252.has(b));
  if (undefinedAt >= 0)
    return {
      ok: false,
      reason: 'undefined_byte',
      byte: `0x${bytes[undefinedAt]!.toString(16).toUpperCase()}`,
      line: lineOf(bytes, undefinedAt),
    };
  return { ok: true, text: iconv.decode(bytes, 'windows-1252'), encoding: 'Windows-1252' };
}

/**
 * Where UTF-8 encodes a French accented letter (C3 80–BF: À to ÿ) or typographic punctuation and
 * the euro (E2 80 xx, E2 82 AC); −1 if nowhere. Read as Windows-1252 these are `Ã©` and `â€™`,
 * which no French text holds, so finding one in a file that is not valid UTF-8 means it is mixed.
 */
function firstUtf8Accent(b: Buffer): number {
  for (let i = 0; i + 1 < b.length; i++) {
    if (b[i] === 0xc3 && b[i + 1]! >= 0x80 && b[i + 1]! <= 0xbf) return i;
    if (b[i] === 0xe2 && i + 2 < b.length) {
      const c1 = b[i + 1]!,
        c2 = b[i + 2]!;
      if ((c1 === 0x80 && c2 >= 0x80 && c2 <= 0xbf) || (c1 === 0x82 && c2 === 0xac)) return i;
    }
  }
  return -1;
}

/** Offset of the first byte that breaks UTF-8 (the file is known not to be valid). */
function firstInvalidUtf8(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || d < 0x80 || d > 0xbf) return i;
    }
    i += n + 1;
  }
  return b.length - 1;
}

/** The 1-based line of the file a byte offset is on. */
function lineOf(b: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (b[i] === 0x0a) line++;
  return line;
}

export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly row: number,
  ) {
    super(message);
  }
}

/**
 * Text → records (RFC 4180: comma or semicolon, quoted fields may hold delimiters, newlines and
 * doubled quotes; CRLF or LF). Hand-written because the import is bulk: one pass with indexOf over
 * quoted runs parses the 8 MiB benchmark file in ~50 ms where csv-parse took ~1 s on this machine.
 * Blank lines are skipped.
 */
export function parseCsv(input: string): string[][] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const delim = detectDelimiter(text).charCodeAt(0);
  const n = text.length;
  const rows: string[][] = [];
  let row: string[] = [];
  let quoted = false;
  const endRow = (): void => {
    if (quoted || !(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
    quoted = false;
  };
  let i = 0;
  while (i < n) {
    let value: string;
    let j: number;
    if (text.charCodeAt(i) === 34) {
      quoted = true;
      value = '';
      let k = i + 1;
      for (;;) {
        const q = text.indexOf('"', k);
        if (q < 0) throw new CsvSyntaxError('a quoted field is never closed', rows.length + 1);
        if (text.charCodeAt(q + 1) === 34) {
          value += text.slice(k, q + 1);
          k = q + 2;
          continue;
        }
        value += text.slice(k, q);
        j = q + 1;
        break;
      }
      const c = text.charCodeAt(j);
      if (j < n && c !== delim && c !== 10 && c !== 13)
        throw new CsvSyntaxError('unexpected text after a closing quote', rows.length + 1);
    } else {
      j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === delim || c === 10 || c === 13) break;
        j++;
      }
      value = text.slice(i, j);
    }
    row.push(value);
    if (j >= n) {
      endRow();
      i = j;
      break;
    }
    const c = text.charCodeAt(j);
    if (c === delim) {
      i = j + 1;
      if (i >= n) {
        row.push('');
        endRow();
      }
      continue;
    }
    i = j + 1;
    if (c === 13 && text.charCodeAt(i) === 10) i++;
    endRow();
  }
  if (row.length > 0) endRow();
  return rows;
}
