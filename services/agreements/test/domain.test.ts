/* eslint-disable @typescript-eslint/no-explicit-any -- the OpenAPI document is read as untyped data */
import fc from 'fast-check';
import { parse as csvParse } from 'csv-parse/sync';
import { CsvSyntaxError, parseCsv } from '../src/adapters/csv';
import { addDays, addDuration, isCalendarDate, parseDuration } from '../src/domain/calendar';
import {
  checkSymbol,
  formatReferenceCode,
  newReferenceCode,
  parseReferenceCode,
  REFERENCE_ALPHABET,
} from '../src/domain/reference-code';
import { deriveObligations, dueDateOf, reconcile } from '../src/domain/obligations';
import { readOpenApi } from '@pc/contracts';
import { contentHash, LIMITS, readAgreement } from '../src/domain/agreement';
import { CSV_COLUMNS, detectDelimiter, readCsvRecords } from '../src/domain/csv-import';

describe('ISO-8601 durations on calendar dates', () => {
  it.each([
    ['2027-12-31', 'P90D', '2028-03-30'],
    ['2027-01-31', 'P1M', '2027-02-28'], // month-end clamping
    ['2028-01-31', 'P1M', '2028-02-29'], // leap year
    ['2027-01-31', 'P1M15D', '2027-03-15'], // months first, then days
    ['2028-02-29', 'P1Y', '2029-02-28'], // 29 Feb + 1 year
    ['2027-11-30', 'P3M', '2028-02-29'],
    ['2027-03-31', 'P6M', '2027-09-30'],
    ['2027-12-31', 'P2W', '2028-01-14'],
    ['2027-03-01', 'P0D', '2027-03-01'],
    ['2027-10-31', 'P1D', '2027-11-01'], // no DST shift: calendar days only
    ['2099-12-31', 'P1Y2M3D', '2101-03-03'],
  ])('%s + %s = %s', (date, dur, expected) => {
    expect(addDuration(date, parseDuration(dur)!)).toBe(expected);
  });

  it.each(['', 'P', '90D', 'P-1D', 'P1.5M', 'PT12H', 'P1DT1H', 'P1D2M', 'abc', 'P1Y1Y'])('refuses %j', (dur) => {
    expect(parseDuration(dur)).toBeNull();
  });

  it('always lands on a real calendar date, never before the anchor', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1990-01-01'), max: new Date('2150-12-31'), noInvalidDate: true }),
        fc.nat(30),
        fc.nat(24),
        fc.nat(400),
        (d, y, m, days) => {
          const date = d.toISOString().slice(0, 10);
          const out = addDuration(date, { years: y, months: m, weeks: 0, days });
          return isCalendarDate(out) && out >= date;
        },
      ),
    );
  });
});

describe('referenceCode', () => {
  const rand = (seed: number) => {
    let s = seed;
    return (n: number) => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s % n;
    };
  };

  it('looks like PX-XXXX-XXXX without 0/O/1/I/L and validates', () => {
    const code = newReferenceCode(rand(7));
    expect(code).toMatch(/^PX-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    expect(REFERENCE_ALPHABET).not.toMatch(/[01OIL]/);
    expect(parseReferenceCode(code)).toBe(code);
    expect(parseReferenceCode(code.toLowerCase().replace(/-/g, ' '))).toBe(code);
    expect(parseReferenceCode(code.slice(3))).toBe(code); // without the prefix
  });

  it.each([
    ['7K3M9Q2', 'PX-7K3M-9Q2J'],
    ['2222222', 'PX-2222-2222'],
    ['ZZZZZZZ', `PX-ZZZZ-ZZZ${checkSymbol('ZZZZZZZ')}`],
  ])('formats %s as %s', (payload, code) => {
    expect(formatReferenceCode(payload)).toBe(code);
  });

  it('detects every single-symbol substitution', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.nat(7), fc.nat(30), (seed, pos, sub) => {
        const code = newReferenceCode(rand(seed)).replace(/^PX-|-/g, '');
        const replacement = REFERENCE_ALPHABET[sub]!;
        fc.pre(code[pos] !== replacement);
        const typo = code.slice(0, pos) + replacement + code.slice(pos + 1);
        return parseReferenceCode(typo) === null;
      }),
      { numRuns: 2000 },
    );
  });

  it('detects every transposition of two different symbols (adjacent or not)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.nat(7), fc.nat(7), (seed, i, j) => {
        const code = newReferenceCode(rand(seed)).replace(/^PX-|-/g, '');
        fc.pre(i !== j && code[i] !== code[j]);
        const chars = code.split('');
        [chars[i], chars[j]] = [chars[j]!, chars[i]!];
        return parseReferenceCode(chars.join('')) === null;
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses wrong lengths and ambiguous symbols', () => {
    expect(parseReferenceCode('PX-7K3M-9Q2')).toBeNull();
    expect(parseReferenceCode('PX-7K3M-9Q2JJ')).toBeNull();
    expect(parseReferenceCode('PX-7K3M-9Q0J')).toBeNull();
    expect(parseReferenceCode('PX-7K3M-9QOJ')).toBeNull();
  });
});

describe('obligation derivation', () => {
  const dates = { startDate: '2027-01-31', endDate: '2027-12-31', signedAt: '2026-12-10' };
  it.each([
    [{ anchor: 'end', offset: 'P90D' }, '2028-03-30'],
    [{ anchor: 'start', offset: 'P1M' }, '2027-02-28'],
    [{ anchor: 'start', offset: 'P1M15D' }, '2027-03-15'],
    [{ anchor: 'signature', offset: 'P1Y' }, '2027-12-10'],
    [{ date: '2027-07-15' }, '2027-07-15'],
  ] as const)('%j → %s', (due, expected) => {
    expect(dueDateOf(due, dates)).toBe(expected);
  });

  it('a requirement with count n gives sequences 1..n on the same date', () => {
    const out = deriveObligations(dates, [
      { id: 'r1', kind: 'learning_note', count: 2, due: { anchor: 'end', offset: 'P90D' } },
      { id: 'r2', kind: 'mid_term_note', count: 1, due: { date: '2027-07-15' } },
    ]);
    expect(out).toEqual([
      { requirementId: 'r1', sequence: 1, kind: 'learning_note', dueDate: '2028-03-30' },
      { requirementId: 'r1', sequence: 2, kind: 'learning_note', dueDate: '2028-03-30' },
      { requirementId: 'r2', sequence: 1, kind: 'mid_term_note', dueDate: '2027-07-15' },
    ]);
  });

  it('an amendment moves open obligations, keeps settled ones, retires and adds by (requirement, sequence)', () => {
    const existing = [
      {
        id: 'a',
        requirementId: 'r1',
        sequence: 1,
        kind: 'learning_note' as const,
        dueDate: '2028-03-30',
        status: 'fulfilled',
        retired: false,
      },
      {
        id: 'b',
        requirementId: 'r1',
        sequence: 2,
        kind: 'learning_note' as const,
        dueDate: '2028-03-30',
        status: 'overdue',
        retired: false,
      },
      {
        id: 'c',
        requirementId: 'r1',
        sequence: 3,
        kind: 'learning_note' as const,
        dueDate: '2028-03-30',
        status: 'upcoming',
        retired: false,
      },
      {
        id: 'd',
        requirementId: 'r2',
        sequence: 1,
        kind: 'final_note' as const,
        dueDate: '2028-01-01',
        status: 'upcoming',
        retired: true,
      },
    ];
    const plan = reconcile(existing, [
      { requirementId: 'r1', sequence: 1, kind: 'learning_note', dueDate: '2028-06-30' },
      { requirementId: 'r1', sequence: 2, kind: 'learning_note', dueDate: '2028-06-30' },
      { requirementId: 'r2', sequence: 1, kind: 'final_note', dueDate: '2028-02-01' },
      { requirementId: 'r3', sequence: 1, kind: 'mid_term_note', dueDate: '2027-07-15' },
    ]);
    expect(plan.changed).toEqual([
      {
        id: 'b',
        kind: 'learning_note',
        dueDate: '2028-06-30',
        previousDueDate: '2028-03-30',
        previousKind: 'learning_note',
      },
    ]);
    expect(plan.retired).toEqual(['c']);
    expect(plan.revived).toEqual([{ id: 'd', dueDate: '2028-02-01', kind: 'final_note' }]);
    expect(plan.added).toEqual([{ requirementId: 'r3', sequence: 1, kind: 'mid_term_note', dueDate: '2027-07-15' }]);
  });
});

describe('agreement input', () => {
  const base = {
    externalRef: 'FQ-1',
    programmeCode: 'MOB',
    title: 'T',
    startDate: '2027-01-01',
    endDate: '2027-12-31',
    grantee: { name: 'G', contacts: [{ name: 'A', email: 'a@example.org' }] },
  };
  it('fills defaults (count 1, locale fr) and hashes the same content the same way', () => {
    const a = readAgreement({
      ...base,
      requirements: [{ kind: 'learning_note', due: { anchor: 'end', offset: 'p90d' } }],
    });
    expect(a.issues).toEqual([]);
    expect(a.draft.requirements).toEqual([{ kind: 'learning_note', count: 1, due: { anchor: 'end', offset: 'P90D' } }]);
    expect(a.draft.contacts[0]!.locale).toBe('fr');
    const b = readAgreement({
      ...base,
      requirements: [{ kind: 'learning_note', count: 1, due: { anchor: 'end', offset: 'P90D' } }],
    });
    expect(contentHash(b.draft)).toBe(contentHash(a.draft));
    expect(contentHash(readAgreement({ ...base, title: 'Autre' }).draft)).not.toBe(contentHash(a.draft));
  });

  it('names every bad field', () => {
    const { issues } = readAgreement({
      ...base,
      startDate: '2027-02-30',
      endDate: '2026-01-01',
      amount: { value: -1, currency: 'USD' },
      grantee: { name: 'G', neq: '123', contacts: [{ name: 'A', email: 'nope' }] },
      requirements: [{ kind: 'essay', count: 0, due: { anchor: 'signature', offset: 'PT1H' } }],
    });
    expect(issues.map((i) => i.path).sort()).toEqual([
      'amount.currency',
      'amount.value',
      'grantee.contacts[0].email',
      'grantee.neq',
      'requirements[0].count',
      'requirements[0].due.anchor',
      'requirements[0].due.offset',
      'requirements[0].kind',
      'startDate',
    ]);
  });
});

describe('CSV rows → agreements', () => {
  const header =
    'external_ref,programme_code,title,amount_cents,currency,start_date,end_date,signed_at,grantee_name,grantee_neq,contact_name,contact_email,contact_locale,requirement_kind,requirement_count,due_anchor,due_offset,due_date'.split(
      ',',
    );
  const row = (ref: string, over: Partial<Record<string, string>> = {}): string[] =>
    header.map(
      (h) =>
        over[h] ??
        (
          {
            external_ref: ref,
            programme_code: 'MOB',
            title: 'Titre',
            amount_cents: '100',
            currency: 'CAD',
            start_date: '2027-01-01',
            end_date: '2027-12-31',
            grantee_name: 'G',
            requirement_kind: 'learning_note',
            requirement_count: '1',
            due_anchor: 'end',
            due_offset: 'P90D',
          } as Record<string, string>
        )[h] ??
        '',
    );

  it('groups rows by external_ref, one requirement per row', () => {
    const { agreements, issues } = readCsvRecords([
      header,
      row('A'),
      row('B'),
      row('A', { requirement_kind: 'final_note', due_anchor: '', due_offset: '', due_date: '2028-01-15' }),
    ]);
    expect(issues).toEqual([]);
    expect(agreements.map((a) => [a.draft.externalRef, a.draft.requirements?.length])).toEqual([
      ['A', 2],
      ['B', 1],
    ]);
  });

  it('places errors on the spreadsheet row and column', () => {
    const { issues } = readCsvRecords([
      header,
      row('A'),
      row('A', { title: 'Autre' }),
      row('B', { due_offset: 'P9X' }),
    ]);
    expect(issues.map((i) => [i.row, i.column, i.code])).toEqual([
      [3, 'title', 'csv_disagree'],
      [4, 'due_offset', 'duration_invalid'],
    ]);
  });

  it('suggests the column a misspelled header meant', () => {
    const { issues } = readCsvRecords([header.map((h) => (h === 'end_date' ? 'end_dte' : h)), row('A')]);
    expect(issues).toEqual(
      expect.arrayContaining([
        { row: 1, column: 'end_dte', code: 'csv_unknown_column', params: { hint: 'end_date' } },
        { row: 1, column: 'end_date', code: 'csv_missing_column' },
      ]),
    );
  });

  it('detects the delimiter from the header', () => {
    expect(detectDelimiter('a;b;c\n1,5;2;3')).toBe(';');
    expect(detectDelimiter('a,b,c\n1;2;3')).toBe(',');
  });
});

describe('day arithmetic without Date objects', () => {
  it('agrees with Date.UTC on every day of 1900–2200 (sampled)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2200-12-31'), noInvalidDate: true }),
        fc.integer({ min: -3000, max: 3000 }),
        (d, n) => {
          const date = d.toISOString().slice(0, 10);
          return (
            addDays(date, n) ===
            new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) + n * 86_400_000)
              .toISOString()
              .slice(0, 10)
          );
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('CSV text parsing', () => {
  it.each([
    [
      'a,b,c\n1,2,3\n',
      [
        ['a', 'b', 'c'],
        ['1', '2', '3'],
      ],
    ],
    [
      'a;b;c\r\n1;2;3',
      [
        ['a', 'b', 'c'],
        ['1', '2', '3'],
      ],
    ],
    [
      '\uFEFFa,b\n"x, ""y""\nz",\n\n',
      [
        ['a', 'b'],
        ['x, "y"\nz', ''],
      ],
    ],
    [
      'a,b\n,\n',
      [
        ['a', 'b'],
        ['', ''],
      ],
    ],
    ['a\n""\n', [['a'], ['']]],
  ])('%j', (text, expected) => {
    expect(parseCsv(text)).toEqual(expected);
  });
  it('refuses an unclosed quote, naming the row', () => {
    expect(() => parseCsv('a,b\n1,"2\n')).toThrow(CsvSyntaxError);
  });
  it('agrees with csv-parse on random quoted content', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', 'é', ' ') }), { minLength: 2, maxLength: 2 }),
          { minLength: 1, maxLength: 5 },
        ),
        (rows) => {
          const text = rows.map((r) => r.map((v) => `"${v.replace(/"/g, '""')}"`).join(',')).join('\n');
          return JSON.stringify(parseCsv(text)) === JSON.stringify(csvParse(text, { relax_column_count: true }));
        },
      ),
    );
  });
});

describe('the intake enforces the contract limits itself (the CSV import has no contract validator)', () => {
  it('LIMITS equal the numbers of contracts/openapi.yaml', () => {
    type Schema = { properties: Record<string, any>; maxLength?: number; maxItems?: number };
    const schemas = (readOpenApi() as any).components.schemas as Record<string, Schema>;
    const input = schemas.AgreementInput!.properties;
    const contact = schemas.Contact!.properties;
    const requirement = schemas.Requirement!.properties;
    expect({
      externalRef: input.externalRef.maxLength,
      programmeCode: input.programmeCode.maxLength,
      title: input.title.maxLength,
      granteeName: input.grantee.properties.name.maxLength,
      contactName: contact.name.maxLength,
      email: schemas.Email!.maxLength,
      contacts: input.grantee.properties.contacts.maxItems,
      requirements: input.requirements.maxItems,
      count: { min: requirement.count.minimum, max: requirement.count.maximum },
    }).toEqual(LIMITS);
  });

  it('a CSV agreement past the limits has an issue per limit, located on the first row past it', () => {
    const header = [...CSV_COLUMNS];
    const row = (i: number): string[] =>
      header.map(
        (c) =>
          ({
            external_ref: 'X-1',
            programme_code: 'P',
            title: 'T',
            start_date: '2027-01-01',
            end_date: '2027-12-31',
            grantee_name: 'G',
            contact_name: `C ${i}`,
            contact_email: `c${i}@example.org`,
            requirement_kind: 'learning_note',
            requirement_count: '20',
            due_anchor: 'end',
            due_offset: 'P90D',
          })[c as string] ?? '',
      );
    const { issues } = readCsvRecords([header, ...Array.from({ length: 25 }, (_, i) => row(i))]);
    expect(issues.map((i) => [i.row, i.column, i.code])).toEqual([
      [22, 'contact_email', 'too_many_contacts'],
      [22, 'requirement_kind', 'too_many_requirements'],
    ]);
  });
});
