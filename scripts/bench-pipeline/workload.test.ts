import { classify, DEFAULT_STAGES } from '@pc/lifecycle';
import { readCsvRecords } from '../../services/agreements/src/domain/csv-import';
import { buildWorkload, checkDigests, CSV_HEADER } from './workload';

const AS_OF = '2027-03-15';

describe('pipeline bench workload', () => {
  const w = buildWorkload(700, AS_OF, 't');
  const records = w.csv
    .trimEnd()
    .split('\n')
    .map((l) => l.split(','));

  it('is a CSV the import accepts whole: every agreement, two obligations each, no issue', () => {
    expect(records[0]).toEqual([...CSV_HEADER]);
    const { agreements, issues } = readCsvRecords(records);
    expect(issues).toEqual([]);
    expect(agreements).toHaveLength(700);
    expect(agreements.every((a) => a.draft.requirements?.length === 2)).toBe(true);
    expect(w.rows).toBe(1400);
  });

  it('knows its due contacts: the addresses of agreements with an obligation no longer upcoming', () => {
    // Oracle: the earliest default stage is where an obligation stops being upcoming (classify), so
    // "some stage reached" must be exactly "classified due_soon or overdue" on the same day.
    const byRef = new Map<string, { dates: string[]; emails: string[] }>();
    for (const r of records.slice(1)) {
      const e = byRef.get(r[0]!) ?? { dates: [], emails: [] };
      e.dates.push(r[17]!);
      e.emails.push(r[11]!);
      byRef.set(r[0]!, e);
    }
    const oracle = new Set<string>();
    let dueObligations = 0;
    for (const { dates, emails } of byRef.values()) {
      const due = dates.filter((d) => classify(d, AS_OF, DEFAULT_STAGES) !== 'upcoming').length;
      dueObligations += due;
      if (due > 0) for (const e of emails) oracle.add(e);
    }
    expect(w.dueContacts).toEqual(oracle);
    expect(w.dueObligations).toBe(dueObligations);
    // the shape the bench relies on: shared and second contacts, overdue and due-soon, most not due
    expect(w.dueContacts.size).toBeGreaterThan(100);
    expect(w.dueContacts.size).toBeLessThan(350);
    expect([...w.dueContacts].some((e) => e.includes('.b@'))).toBe(true);
  });

  it('checks digests: exactly one per due address, naming what is missing, doubled or unexpected', () => {
    const due = new Set(['a@x.example', 'b@x.example', 'c@x.example']);
    const r = checkDigests(due, [['A@x.example'], ['b@x.example'], ['b@x.example'], ['z@x.example']]);
    expect(r).toEqual({
      missing: ['c@x.example'],
      duplicated: [['b@x.example', 2]],
      unexpected: ['z@x.example'],
      exactlyOnce: 1,
    });
    expect(checkDigests(due, [['a@x.example'], ['b@x.example'], ['c@x.example']])).toEqual({
      missing: [],
      duplicated: [],
      unexpected: [],
      exactlyOnce: 3,
    });
  });
});
