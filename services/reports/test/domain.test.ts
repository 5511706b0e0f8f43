import { buildReport, classify, type ObligationRow } from '../src/domain/compliance';
import { canonicalJson, ChainVerifier, GENESIS_HASH, link } from '../src/domain/audit-chain';
import { formatRate } from '../src/domain/i18n';
import { neutralise, renderCsv } from '../src/adapters/render-csv';

describe('classify (the rules the report definition states)', () => {
  it.each([
    // dueDate, status, late, asOf → due, onTime, late, overdue
    ['2026-03-31', 'fulfilled', false, '2026-04-01', [true, true, false, false]],
    ['2026-03-31', 'fulfilled', true, '2026-04-01', [true, false, true, false]],
    ['2026-03-31', 'overdue', null, '2026-04-01', [true, false, false, true]],
    ['2026-03-31', 'due_soon', null, '2026-03-31', [true, false, false, false]], // due on the day, not yet outstanding
    ['2026-03-31', 'waived', null, '2026-04-01', [false, false, false, false]],
    ['2026-03-31', 'cancelled', null, '2026-04-01', [false, false, false, false]],
    ['2026-03-31', 'evidence_withdrawn', null, '2026-04-01', [true, false, false, true]],
    ['2026-05-31', 'extended', null, '2026-04-01', [false, false, false, false]],
    ['2026-05-31', 'fulfilled', false, '2026-04-01', [false, false, false, false]], // fulfilled early, not due yet
  ] as const)('due %s %s (late %s) as of %s', (dueDate, status, late, asOf, [due, onTime, lateOut, overdue]) => {
    expect(classify({ dueDate, status, late }, asOf)).toEqual({ due, onTime, late: lateOut, overdue });
  });

  it('leaves the rate undefined (null) when nothing is due, shown as s.o. / n/a', () => {
    const r = buildReport({ asOf: '2026-01-01', generatedAt: '2026-01-01T00:00:00.000Z', locale: 'fr', scope: { funders: [], programme: null }, obligations: [], withdrawals: [], contactFailures: [] });
    expect(r.totals.complianceRate).toBeNull();
    expect(formatRate(null, 'fr')).toBe('s.o.');
    expect(formatRate(0.8756, 'fr')).toBe('87,6 %');
    expect(formatRate(0.8756, 'en')).toBe('87.6%');
  });
});

describe('CSV', () => {
  it.each([['=SUM(A1)', "'=SUM(A1)"], ['+33 1', "'+33 1"], ['-1', "'-1"], ['@cmd', "'@cmd"], ['\tx', "'\tx"], ['\rx', "'\rx"], ['a=b', 'a=b'], ['', '']])('neutralises %j', (cell, out) => {
    expect(neutralise(cell)).toBe(out);
  });

  it('writes a BOM and the locale’s separator', () => {
    const row: ObligationRow = {
      obligationId: 'o', funderId: 'f', funderName: 'F', programmeCode: 'P', agreementId: 'a', referenceCode: 'R', externalRef: 'E', agreementTitle: 'T; "x"',
      agreementStatus: 'active', granteeId: 'g', granteeName: 'Gé', granteeNeq: null, kind: 'learning_note', sequence: 1, dueDate: '2026-01-01',
      status: 'upcoming', late: null, fulfilledAt: null, evidenceUrl: null, evidencePublishedOn: null,
    };
    const fr = renderCsv([row], '2026-02-01', 'fr').toString('utf8');
    expect(fr.charCodeAt(0)).toBe(0xfeff);
    expect(fr).toContain(';"T; ""x""";');
    expect(renderCsv([row], '2026-02-01', 'en').toString('utf8').split('\r\n')[0]).toContain('Funder,Programme,');
  });
});

describe('audit chain', () => {
  it('canonical JSON sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"z":1}]},"b":1}');
  });

  it('verifies a chain and names the first broken entry', () => {
    let head = { seq: 0, hash: GENESIS_HASH };
    const entries = [1, 2, 3, 4].map((i) => {
      const e = link(head, { funderId: 'f', eventId: `e${i}`, type: 't', subject: null, actor: { kind: 'system', id: 's' }, at: '2026-01-01T00:00:00.000Z', reason: null, before: null, after: { i } });
      head = { seq: e.seq, hash: e.hash };
      return e;
    });
    const ok = new ChainVerifier();
    entries.forEach((e) => ok.feed(e));
    ok.finish(head);
    expect(ok.broken).toBeNull();
    const bad = new ChainVerifier();
    entries.map((e) => (e.seq === 2 ? { ...e, after: { i: 99 } } : e)).forEach((e) => bad.feed(e));
    expect(bad.broken).toEqual({ seq: 2, eventId: 'e2', problem: 'hash_mismatch' });
  });
});
