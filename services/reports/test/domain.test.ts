import { keyedPseudonym, pseudonymize } from '@pc/service-kit';
import { reportForAuditor } from '../src/domain/personal-data';
import { buildReport, classify, fulfilledLate, type ObligationRow } from '../src/domain/compliance';
import {
  agreementSnapshot,
  apiKeyChanged,
  funderRegistered,
  noteWithdrawn,
  reminderFailed,
} from '../src/domain/audit-entries';
import { canonicalJson, ChainVerifier, GENESIS_HASH, link } from '../src/domain/audit-chain';
import { formatRate } from '../src/domain/i18n';
import { neutralise, renderCsv } from '../src/adapters/render-csv';
import { actor, envelope, uuid, World } from './helpers';

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
    const r = buildReport({
      asOf: '2026-01-01',
      generatedAt: '2026-01-01T00:00:00.000Z',
      locale: 'fr',
      scope: { funders: [], programme: null },
      obligations: [],
      withdrawals: [],
      contactFailures: [],
    });
    expect(r.totals.complianceRate).toBeNull();
    expect(formatRate(null, 'fr')).toBe('s.o.');
    expect(formatRate(0.8756, 'fr')).toBe('87,6 %');
    expect(formatRate(0.8756, 'en')).toBe('87.6%');
  });
});

describe('CSV', () => {
  it.each([
    ['=SUM(A1)', "'=SUM(A1)"],
    ['+33 1', "'+33 1"],
    ['-1', "'-1"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['a=b', 'a=b'],
    ['', ''],
  ])('neutralises %j', (cell, out) => {
    expect(neutralise(cell)).toBe(out);
  });

  it('writes a BOM and the locale’s separator', () => {
    const row: ObligationRow = {
      obligationId: 'o',
      funderId: 'f',
      funderName: 'F',
      programmeCode: 'P',
      agreementId: 'a',
      referenceCode: 'R',
      externalRef: 'E',
      agreementTitle: 'T; "x"',
      agreementStatus: 'active',
      granteeId: 'g',
      granteeName: 'Gé',
      granteeNeq: null,
      kind: 'learning_note',
      sequence: 1,
      dueDate: '2026-01-01',
      status: 'upcoming',
      late: null,
      fulfilledAt: null,
      evidenceUrl: null,
      evidencePublishedOn: null,
    };
    const fr = renderCsv([row], '2026-02-01', 'fr').toString('utf8');
    expect(fr.charCodeAt(0)).toBe(0xfeff);
    expect(fr).toContain(';"T; ""x""";');
    expect(renderCsv([row], '2026-02-01', 'en').toString('utf8').split('\r\n')[0]).toContain('Funder,Programme,');
  });
});

describe('audit chain', () => {
  it('canonical JSON sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"z":1}]},"b":1}',
    );
  });

  it('verifies a chain and names the first broken entry', () => {
    let head = { seq: 0, hash: GENESIS_HASH };
    const entries = [1, 2, 3, 4].map((i) => {
      const e = link(head, {
        funderId: 'f',
        eventId: `e${i}`,
        type: 't',
        subject: null,
        actor: { kind: 'system', id: 's' },
        at: '2026-01-01T00:00:00.000Z',
        reason: null,
        before: null,
        after: { i },
      });
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

describe('fulfilledLate (on time: published, or recorded, no later than the due date in Montréal)', () => {
  it.each([
    // to, evidence late, recorded at, due date → late
    ['due_soon', undefined, '2026-04-02T12:00:00.000Z', '2026-03-31', null],
    ['fulfilled', false, '2026-05-01T12:00:00.000Z', '2026-03-31', false], // the note's publication date decides, not the recording
    ['fulfilled', true, '2026-03-01T12:00:00.000Z', '2026-03-31', true],
    ['fulfilled', undefined, '2026-04-01T03:59:00.000Z', '2026-03-31', false], // still March 31 in Montréal (EDT, UTC−4)
    ['fulfilled', undefined, '2026-04-01T04:00:00.000Z', '2026-03-31', true],
  ] as const)('%s (evidence late %s) at %s, due %s → %s', (to, evidenceLate, at, dueDate, late) => {
    const evidence =
      evidenceLate === undefined
        ? undefined
        : { noteUrl: 'https://praxis.example/n', title: 'N', publishedOn: '2026-03-01', late: evidenceLate };
    expect(fulfilledLate({ to, evidence, dueDate }, at)).toBe(late);
  });
});

describe('audit entries (which change of which event becomes which entry)', () => {
  const w = new World();
  const key = 'person-key-'.repeat(3);
  const pseudonym = (email: string): string => keyedPseudonym(key, email);
  const snapshot = w.agreement(w.programme('P'), 'R-1', {
    title: 'T',
    grantee: { name: 'G' },
    dues: ['2026-05-01'],
    contacts: [{ name: 'Alex', email: 'alex@exemple.org', locale: 'fr' }],
  }).snapshot;

  it('an applied snapshot shows what it replaced; a superseded one is recorded as such, with no before', () => {
    const e = envelope('agreement.amended.v1', { ...snapshot, revision: 2, changes: ['title'] });
    expect(agreementSnapshot(e, { applied: true, before: { revision: 1 } }, pseudonym)).toMatchObject({
      before: { revision: 1 },
      after: { revision: 2, changes: ['title'] },
    });
    expect(agreementSnapshot(e, { applied: true, before: { revision: 1 } }, pseudonym).after).not.toHaveProperty(
      'superseded',
    );
    const old = agreementSnapshot(e, { applied: false }, pseudonym);
    expect(old).toMatchObject({ before: null, after: { revision: 2, superseded: true } });
    expect(JSON.stringify(old)).not.toContain('alex@exemple.org');
  });

  it('new entries name contacts and report recipients by the keyed pseudonym, never the bare hash', () => {
    const e = envelope('agreement.registered.v1', snapshot);
    const entry = JSON.stringify(agreementSnapshot(e, { applied: true, before: null }, pseudonym));
    expect(entry).toContain(pseudonym('alex@exemple.org'));
    expect(entry).not.toContain(pseudonymize('alex@exemple.org'));
    expect(entry).not.toMatch(/"p_[0-9a-f]{12}"/);
    const funder = funderRegistered(
      envelope('funder.registered.v1', {
        funderId: w.funderId,
        name: 'F',
        kind: 'ministry',
        locale: 'fr',
        reportRecipients: ['Rapports@Exemple.org'],
        actor,
      }),
      pseudonym,
    );
    expect(funder.after).toMatchObject({ reportRecipients: [pseudonym('rapports@exemple.org')] });
    expect(JSON.stringify(funder)).not.toContain(pseudonymize('rapports@exemple.org'));
  });

  it('a withdrawn note: one entry per funder, in funder order, its obligations sorted', () => {
    const e = envelope('praxis.note.withdrawn.v1', {
      noteUrl: 'https://praxis.example/n',
      noteId: 'n',
      reason: 'gone',
      httpStatus: 404,
      at: '2026-04-01T10:00:00Z',
    });
    const out = noteWithdrawn(e, [
      { funderId: 'f2', obligationId: 'o9' },
      { funderId: 'f1', obligationId: 'o3' },
      { funderId: 'f2', obligationId: 'o1' },
    ]);
    expect(out.map((a) => [a.funderId, a.before])).toEqual([
      ['f1', { noteUrl: 'https://praxis.example/n', public: true, obligationIds: ['o3'] }],
      ['f2', { noteUrl: 'https://praxis.example/n', public: true, obligationIds: ['o1', 'o9'] }],
    ]);
    expect(out.every((a) => a.at === '2026-04-01T10:00:00.000Z' && a.actor.kind === 'system')).toBe(true);
    expect(noteWithdrawn(e, [])).toEqual([]);
  });

  it('an API key goes in the log of each funder it reads, once; an admin key in none', () => {
    const f1 = '00000000-0000-4000-8000-000000000001',
      f2 = '00000000-0000-4000-8000-000000000002';
    const keyId = '00000000-0000-4000-8000-0000000000aa';
    const created = envelope('api_key.created.v1', {
      keyId,
      role: 'auditor',
      funderId: null,
      funderIds: [f2, f1, f2],
      granteeId: null,
      label: 'v',
      actor,
    });
    expect(apiKeyChanged(created).map((a) => [a.funderId, a.before, a.after])).toEqual([
      [f1, null, expect.objectContaining({ keyId, active: true, role: 'auditor' })],
      [f2, null, expect.objectContaining({ active: true })],
    ]);
    expect(apiKeyChanged(envelope('api_key.revoked.v1', { keyId, funderId: f1, funderIds: [], actor }))).toMatchObject([
      { funderId: f1, before: { active: true }, after: { keyId, active: false } },
    ]);
    expect(
      apiKeyChanged(
        envelope('api_key.created.v1', {
          keyId,
          role: 'admin',
          funderId: null,
          funderIds: [],
          granteeId: null,
          label: 'a',
          actor,
        }),
      ),
    ).toEqual([]);
  });

  it('a failed reminder keeps only pseudonyms of the addresses the server quoted', () => {
    const e = envelope('reminder.failed.v1', {
      reminderId: uuid(),
      runId: uuid(),
      obligationId: uuid(),
      funderId: w.funderId,
      stageKey: 'D-7',
      contactRef: 'p_1',
      email: 'alex@exemple.org',
      permanent: true,
      reason: '550 5.1.1 <alex@exemple.org>: unknown',
      at: '2026-04-01T10:00:00Z',
    });
    expect(reminderFailed(e, pseudonym).reason).toBe(`550 5.1.1 <${pseudonym('alex@exemple.org')}>: unknown`);
    expect(JSON.stringify(reminderFailed(e, pseudonym))).not.toContain(pseudonymize('alex@exemple.org'));
  });
});

describe('the report an auditor reads', () => {
  const failing = {
    email: 'Alex@Example.org',
    contactRef: pseudonymize('alex@example.org'),
    granteeName: 'G',
    reason: '550 <alex@example.org> unknown; also cc@example.org',
    failures: 2,
    lastFailedAt: '2026-10-01T00:00:00.000Z',
  };
  it('replaces every address, in the list and in the server text, by a pseudonym under the service key', () => {
    const key = 'k'.repeat(32);
    const r = reportForAuditor({ failingContacts: [failing] }, (e) => keyedPseudonym(key, e));
    const ref = keyedPseudonym(key, 'alex@example.org');
    expect(r.failingContacts).toEqual([
      {
        ...failing,
        email: ref,
        contactRef: ref,
        reason: `550 <${ref}> unknown; also ${keyedPseudonym(key, 'cc@example.org')}`,
      },
    ]);
  });
  it('is keyed: another key gives other pseudonyms, and none is the bare hash of the address', () => {
    const a = keyedPseudonym('a'.repeat(32), 'alex@example.org');
    const b = keyedPseudonym('b'.repeat(32), 'alex@example.org');
    expect(a).not.toBe(b);
    expect(a.slice(2)).not.toBe(pseudonymize('alex@example.org').slice(2));
    expect(keyedPseudonym('a'.repeat(32), ' ALEX@example.org ')).toBe(a);
  });
});
