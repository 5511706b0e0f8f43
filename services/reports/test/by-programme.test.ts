import { buildReport, type ObligationRow } from '../src/domain/compliance';

// The dashboard's per-programme summary is the report's own tally, grouped: its figures add up to
// the totals and follow the definition (waived and cancelled excluded from the rate).
const row = (over: Partial<ObligationRow>): ObligationRow => ({
  obligationId: crypto.randomUUID(),
  funderId: 'f1',
  funderName: 'F',
  programmeCode: 'P1',
  agreementId: 'a1',
  referenceCode: 'R',
  externalRef: 'E',
  agreementTitle: 'T',
  agreementStatus: 'active',
  granteeId: 'g',
  granteeName: 'G',
  granteeNeq: null,
  kind: 'learning_note',
  sequence: 1,
  dueDate: '2026-03-01',
  status: 'upcoming',
  late: null,
  fulfilledAt: null,
  evidenceUrl: null,
  evidencePublishedOn: null,
  ...over,
});

describe('byProgramme (the per-programme summary of the report)', () => {
  const report = buildReport({
    asOf: '2026-04-01',
    generatedAt: '2026-04-01T00:00:00.000Z',
    locale: 'fr',
    scope: { funders: [], programme: null },
    obligations: [
      row({ status: 'fulfilled', late: false }),
      row({ status: 'fulfilled', late: true, agreementId: 'a2' }),
      row({ status: 'overdue' }),
      row({ status: 'waived' }),
      row({ status: 'upcoming', dueDate: '2026-09-01' }),
      row({ programmeCode: 'P2', status: 'overdue' }),
      row({ programmeCode: 'P2', status: 'cancelled' }),
      row({ funderId: 'f0', programmeCode: 'P2', status: 'fulfilled', late: false }),
    ],
    withdrawals: [],
    contactFailures: [],
  });

  it('gives each (funder, programme) its counts by status and compliance rate', () => {
    expect(report.byProgramme.map((p) => [p.funderId, p.programmeCode, p.obligations, p.agreements])).toEqual([
      ['f0', 'P2', 1, 1],
      ['f1', 'P1', 5, 2],
      ['f1', 'P2', 2, 1],
    ]);
    const p1 = report.byProgramme[1]!;
    expect(p1.byStatus).toMatchObject({ fulfilled: 2, overdue: 1, waived: 1, upcoming: 1, due_soon: 0 });
    // due by asOf, waived excluded: 2 fulfilled + 1 overdue → 2/3
    expect(p1).toMatchObject({
      dueByAsOf: 3,
      fulfilledOnTime: 1,
      fulfilledLate: 1,
      overdue: 1,
      complianceRate: 0.6667,
    });
    expect(report.byProgramme[2]).toMatchObject({ dueByAsOf: 1, complianceRate: 0, cancelled: 1 });
    expect(report.byProgramme[0]).toMatchObject({ complianceRate: 1, onTimeRate: 1 });
  });

  it('adds up to the totals', () => {
    const sum = (k: 'obligations' | 'dueByAsOf' | 'overdue' | 'fulfilledOnTime' | 'fulfilledLate') =>
      report.byProgramme.reduce((n, p) => n + p[k], 0);
    for (const k of ['obligations', 'dueByAsOf', 'overdue', 'fulfilledOnTime', 'fulfilledLate'] as const)
      expect(sum(k)).toBe(report.totals[k]);
  });
});
