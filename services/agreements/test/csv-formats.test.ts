import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { decodeCsv, parseCsv } from '../src/adapters/csv';
import { columnOfHeader, CSV_COLUMNS, FRENCH_HEADERS, normaliseHeader } from '../src/domain/csv-columns';
import { readCsvRecords } from '../src/domain/csv-import';
import { importTemplate } from '../src/domain/csv-template';
import { readCsvDate, readDollars } from '../src/domain/csv-values';
import { issueText } from '../src/domain/messages';

// What spreadsheets write, read without guessing (pure: no database here; import.test.ts sends files).

describe('dates in a CSV cell', () => {
  it.each([
    ['2027-12-31', '2027-12-31'],
    ['31/12/2027', '2027-12-31'],
    ['01/02/2027', '2027-02-01'], // day first: 1 February
    ['3/4/2027', '2027-04-03'],
    ['29/02/2028', '2028-02-29'],
  ])('%s → %s', (text, iso) => {
    expect(readCsvDate(text)).toEqual({ ok: true, value: iso });
  });
  it.each([
    ['03/04/27', 'csv_date_two_digit_year'],
    ['31/12/27', 'csv_date_two_digit_year'],
    ['12/31/2027', 'csv_date_month_first'],
    ['31/02/2027', 'csv_date_invalid'],
    ['29/02/2027', 'csv_date_invalid'],
    ['00/01/2027', 'csv_date_invalid'],
    ['31/13/2027', 'csv_date_invalid'], // neither day first nor month first
    ['2027-02-30', 'csv_date_invalid'],
    ['2027/12/31', 'csv_date_invalid'],
    ['31-12-2027', 'csv_date_invalid'],
    ['31/12/02027', 'csv_date_invalid'],
    ['demain', 'csv_date_invalid'],
  ])('%s is refused (%s)', (text, code) => {
    expect(readCsvDate(text)).toEqual({ ok: false, code });
  });
});

describe('amounts in dollars in a CSV cell', () => {
  it.each([
    ['25 000,00 $', 2_500_000],
    ['25\u00a0000,00\u00a0$', 2_500_000], // what French Excel writes: no-break spaces
    ['25\u202f000,00\u00a0$', 2_500_000], // narrow no-break space between thousands
    ['25 000 $', 2_500_000],
    ['25000 $', 2_500_000],
    ['25,000.00', 2_500_000],
    ['$25,000.00', 2_500_000],
    ['25000.00', 2_500_000],
    ['25000,00', 2_500_000],
    ['25000', 2_500_000],
    ['1,250,000', 125_000_000], // two commas: thousands, never decimals
    ['1 250 000,50 $', 125_000_050],
    ['25 000.00', 2_500_000],
    ['12,5', 1250],
    ['0,05 $', 5],
  ])('%j → %d cents', (text, cents) => {
    expect(readDollars(text)).toEqual({ ok: true, value: cents });
  });
  it.each([
    ['25,000', 'csv_amount_ambiguous'], // 25 thousand, or 25 with three decimals?
    ['25.000', 'csv_amount_ambiguous'],
    ['1,500', 'csv_amount_ambiguous'],
    ['25.000,00', 'csv_amount_invalid'], // not a form of French Canada
    ['1.250.000', 'csv_amount_invalid'],
    ['25 000,000', 'csv_amount_fraction'],
    ['1234,567', 'csv_amount_fraction'],
    ['25000.005', 'csv_amount_fraction'],
    ['-25 000,00 $', 'amount_negative'],
    ['2 5000', 'csv_amount_invalid'],
    ['25,00,00', 'csv_amount_invalid'],
    ['vingt-cinq mille', 'csv_amount_invalid'],
    ['$', 'csv_amount_invalid'],
    ['25 000 €', 'csv_amount_invalid'],
  ])('%j is refused (%s)', (text, code) => {
    expect(readDollars(text)).toEqual({ ok: false, code });
  });
});

describe('header names', () => {
  it.each([
    ['external_ref', 'external_ref'],
    ['External Ref', 'external_ref'],
    ['Référence externe', 'external_ref'],
    ['REFERENCE_EXTERNE', 'external_ref'],
    ['Code du programme', 'programme_code'],
    ['Titre', 'title'],
    ['Montant ($)', 'amount_dollars'],
    ['montant', 'amount_dollars'],
    ['amount_dollars', 'amount_dollars'],
    ['Montant (cents)', 'amount_cents'],
    ['Date de début', 'start_date'],
    ['date_debut', 'start_date'],
    ['DATE-FIN', 'end_date'],
    ['Date de signature', 'signed_at'],
    ["Nom de l'organisme", 'grantee_name'],
    ['Nom de l\u2019organisme', 'grantee_name'],
    ['NEQ', 'grantee_neq'],
    ['Nom de la personne-ressource', 'contact_name'],
    ['Courriel', 'contact_email'],
    ['Langue', 'contact_locale'],
    ["Type d'exigence", 'requirement_kind'],
    ['Nombre', 'requirement_count'],
    ['Point de départ', 'due_anchor'],
    ['Délai', 'due_offset'],
    ["Date d'échéance", 'due_date'],
  ])('%j is %s', (cell, column) => {
    expect(columnOfHeader(cell)?.column).toBe(column);
  });
  it('gives every column one French name, each distinct once normalised', () => {
    const names = CSV_COLUMNS.map((c) => normaliseHeader(FRENCH_HEADERS[c]));
    expect(new Set(names).size).toBe(CSV_COLUMNS.length);
    for (const c of CSV_COLUMNS) expect(columnOfHeader(FRENCH_HEADERS[c])?.column).toBe(c);
  });
  it('accepts every name the README table lists, for the column of its row', () => {
    const readme = fs.readFileSync(path.join(__dirname, '../README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('| column (English) |')).split('\n\n')[0]!.split('\n').slice(2);
    expect(table).toHaveLength(CSV_COLUMNS.length);
    for (const line of table) {
      const [english, french, others] = line.split('|').slice(1, 4);
      const names = [english!, french!, others!].flatMap((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
      const column = names[0]!;
      expect(CSV_COLUMNS).toContain(column);
      expect(FRENCH_HEADERS[column as (typeof CSV_COLUMNS)[number]]).toBe(names[1]);
      for (const n of names) expect([n, columnOfHeader(n)?.column]).toEqual([n, column]);
    }
  });
  it('names nothing it does not know', () => {
    expect(columnOfHeader('commentaires')).toBeNull();
    expect(columnOfHeader('')).toBeNull();
  });
});

describe('CSV records with French headers and spreadsheet values', () => {
  const FR = [
    'Référence externe',
    'Code du programme',
    'Titre',
    'Montant',
    'Date de début',
    'Date de fin',
    'Nom de l\u2019organisme',
  ];
  const row = (ref: string, over: Partial<Record<number, string>> = {}): string[] =>
    [ref, 'MOB', 'Titre', '25 000,00 $', '01/01/2027', '31/12/2027', 'Organisme'].map((v, i) => over[i] ?? v);

  it('reads day-first dates and dollars, and rows that write them differently agree', () => {
    const { agreements, issues } = readCsvRecords([FR, row('A'), row('A', { 3: '25000.00', 5: '2027-12-31' })]);
    expect(issues).toEqual([]);
    expect(agreements[0]!.draft).toMatchObject({
      amount: { value: 2_500_000, currency: 'CAD' },
      startDate: '2027-01-01',
      endDate: '2027-12-31',
    });
  });

  it('names each bad cell once, on its row, by the header as the file writes it', () => {
    const { issues } = readCsvRecords([
      FR,
      row('A', { 5: '03/04/27' }),
      row('B', { 3: '25,000' }),
      row('C', { 4: '31/02/2027' }),
      row('D', { 5: '12/31/2027' }),
    ]);
    expect(issues.map((i) => [i.row, i.column, i.code])).toEqual([
      [2, 'Date de fin', 'csv_date_two_digit_year'],
      [3, 'Montant', 'csv_amount_ambiguous'],
      [4, 'Date de début', 'csv_date_invalid'],
      [5, 'Date de fin', 'csv_date_month_first'],
    ]);
    expect(issueText('fr', issues[0]!)).toBe(
      'année à deux chiffres dans « 03/04/27 » : écrivez l\u2019année en entier (JJ/MM/AAAA ou AAAA-MM-JJ)',
    );
    expect(issueText('en', issues[1]!)).toBe(
      'ambiguous amount: "25,000" reads as thousands or as decimals; write e.g. 25,000.00 or 25 000,00 $',
    );
  });

  it('refuses dollars that disagree with amount_cents, and takes them when they agree', () => {
    const header = [...FR, 'montant_cents'];
    const { issues } = readCsvRecords([header, [...row('A'), '2400000'], [...row('B'), '2500000']]);
    expect(issues.map((i) => [i.row, i.column, i.code, issueText('fr', i)])).toEqual([
      [
        2,
        'Montant',
        'csv_amount_disagree',
        'le montant « 25 000,00 $ » (2500000 cents) diffère de montant_cents (2400000)',
      ],
    ]);
  });

  it('names a header that is neither English nor French, a column given twice, and missing ones in French', () => {
    const { issues } = readCsvRecords([
      ['Référence externe', 'Titre', 'title', 'Date de fn', 'Remarques'],
      ['A', 'T', 'T', '2027-12-31', ''],
    ]);
    expect(issues.map((i) => [i.column, i.code, i.params])).toEqual([
      ['title', 'csv_duplicate_column', { other: 'Titre' }],
      ['Date de fn', 'csv_unknown_column', { hint: 'date_fin' }],
      ['Remarques', 'csv_unknown_column', { hint: '' }],
      ['code_programme', 'csv_missing_column', undefined],
      ['date_début', 'csv_missing_column', undefined],
      ['date_fin', 'csv_missing_column', undefined],
      ['nom_organisme', 'csv_missing_column', undefined],
    ]);
  });

  it('skips an empty header cell over an empty column (trailing ;; from Excel), not one over data', () => {
    expect(
      readCsvRecords([
        [...FR, ''],
        [...row('A'), ''],
      ]).issues,
    ).toEqual([]);
    expect(
      readCsvRecords([
        [...FR, ''],
        [...row('A'), 'x'],
      ]).issues,
    ).toEqual([{ row: 1, column: '#8', code: 'csv_unknown_column', params: { hint: '' } }]);
  });
});

describe('bytes → text', () => {
  const french = 'Société d\u2019entraide « Œuvre » — coût : 25\u00a0000,00\u00a0$ €';

  it('reads valid UTF-8 (with or without BOM) as UTF-8', () => {
    expect(decodeCsv(Buffer.from(french, 'utf8'))).toEqual({ ok: true, text: french, encoding: 'UTF-8' });
    expect(decodeCsv(Buffer.from('\uFEFF' + french, 'utf8'))).toEqual({ ok: true, text: french, encoding: 'UTF-8' });
  });

  it('reads anything else as Windows-1252, exactly (’ is 0x92, never a control code)', () => {
    const bytes = iconv.encode(french, 'windows-1252');
    expect(bytes.includes(0x92)).toBe(true);
    expect(decodeCsv(bytes)).toEqual({ ok: true, text: french, encoding: 'Windows-1252' });
    // the bytes decide, whatever the label says
    expect(decodeCsv(bytes, 'utf-8')).toMatchObject({ encoding: 'Windows-1252' });
    expect(decodeCsv(Buffer.from(french, 'utf8'), 'windows-1252')).toMatchObject({ text: french, encoding: 'UTF-8' });
  });

  it('refuses UTF-16, a declared charset it does not read, a byte Windows-1252 does not define, and a mixed file', () => {
    expect(decodeCsv(Buffer.from('\uFEFFa,b', 'utf16le'))).toEqual({
      ok: false,
      reason: 'unsupported',
      encoding: 'UTF-16',
    });
    expect(decodeCsv(Buffer.from('a,b'), 'Shift_JIS')).toEqual({
      ok: false,
      reason: 'unsupported',
      encoding: 'Shift_JIS',
    });
    expect(decodeCsv(Buffer.from([0x61, 0x0a, 0x62, 0x0a, 0xe9, 0x81]))).toEqual({
      ok: false,
      reason: 'undefined_byte',
      byte: '0x81',
      line: 3,
    });
    const mixed = Buffer.concat([Buffer.from('Québec\n', 'utf8'), Buffer.from('Lévis\n', 'latin1')]);
    expect(decodeCsv(mixed)).toEqual({ ok: false, reason: 'mixed', line: 2 });
  });

  it('keeps French capitals followed by a no-break space (valid UTF-8 pairs by chance) as Windows-1252', () => {
    const title = 'PROJET D\u2019ÉTÉ\u00a0: « CAFÉ\u00a0»';
    const bytes = iconv.encode(title, 'windows-1252');
    expect(decodeCsv(bytes)).toEqual({ ok: true, text: title, encoding: 'Windows-1252' });
  });
});

describe('the import template', () => {
  it.each(['fr', 'en'] as const)('%s: a BOM, CRLF, its headers, and rows that read without an issue', (locale) => {
    const t = importTemplate(locale);
    expect(t.text.startsWith('\uFEFF')).toBe(true);
    expect(t.text.split('\r\n').length).toBe(4);
    const records = parseCsv(t.text);
    expect(records[0]![0]).toBe(locale === 'fr' ? 'référence_externe' : 'external_ref');
    expect(t.text.split('\r\n')[0]).toContain(locale === 'fr' ? ';' : ',');
    const { agreements, issues } = readCsvRecords(records);
    expect(issues).toEqual([]);
    expect(agreements).toHaveLength(1);
    expect(agreements[0]!.draft).toMatchObject({
      amount: { value: 2_500_000, currency: 'CAD' },
      endDate: '2027-12-31',
      grantee: { name: 'Société d\u2019entraide de Québec' },
    });
    expect(agreements[0]!.draft.requirements).toHaveLength(2);
  });
});
