/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies and event payloads are asserted with toMatchObject */
import { AppError } from '@pc/service-kit';
import type { Check, NoteVerifier, VerificationRequest, VerifiedNote } from '../src/domain/ports';
import {
  fixture,
  funder,
  grantee,
  harnessForFile,
  obligationsOf,
  praxisNote,
  snapshot,
  uuid,
  verifiedNote,
} from './helpers';

/** Fake twin of the NoteVerifier port (the Praxis connector): answers what the test scripts. */
class FakeVerifier implements NoteVerifier {
  requests: VerificationRequest[] = [];
  next: { checks: Check[]; note: VerifiedNote | null } | Error = { checks: [], note: null };
  async verify(req: VerificationRequest) {
    this.requests.push(req);
    if (this.next instanceof Error) throw this.next;
    return this.next;
  }
}
const four = (failing?: Check['name']): Check[] =>
  (['host_allowed', 'publicly_accessible', 'mentions_reference', 'published_in_window'] as const).map((name) => ({
    name,
    passed: name !== failing,
    detail: name === failing ? 'échec' : 'ok',
  }));
const note = (noteId: string, over: Partial<VerifiedNote> = {}): VerifiedNote => ({
  url: `https://praxis.encommun.io/n/${noteId}/`,
  ...praxisNote(noteId),
  late: false,
  ...over,
});

const verifier = new FakeVerifier();
const h = harnessForFile({ today: '2027-06-01', verifier });

async function agreementWith(reqs: Array<[number, string]>) {
  const f = fixture();
  const obs = reqs.flatMap(([n, due]) => obligationsOf(uuid(), n, due));
  const s = snapshot(f, { obligations: obs });
  await h.publish('agreement.registered.v1', s);
  return { f, s, obs };
}

describe('evidence from Praxis events', () => {
  it('needs two distinct notes for a requirement with count 2, and records the evidence', async () => {
    const {
      s,
      obs: [a, b],
    } = await agreementWith([[2, '2027-05-15']]);
    await h.publish('praxis.note.verified.v1', verifiedNote('n1', [s.agreementId]));
    expect((await h.statusOf(a!.id)).status).toBe('fulfilled');
    expect((await h.statusOf(b!.id)).status).toBe('overdue');
    await h.publish(
      'praxis.note.verified.v1',
      verifiedNote('n1', [s.agreementId], { source: 'reverify', verifiedAt: '2027-05-28T12:00:00.000Z' }),
    );
    expect((await h.statusOf(b!.id)).status).toBe('overdue'); // the same note does not count twice
    await h.publish('praxis.note.verified.v1', verifiedNote('n2', [s.agreementId], { publishedOn: '2027-05-16' }));
    expect((await h.statusOf(b!.id)).status).toBe('fulfilled');
    const ev = (
      await h.db.query(
        `SELECT note_url, title, to_char(published_on, 'YYYY-MM-DD') AS published_on, late, verified_at, source FROM evidence WHERE obligation_id = $1`,
        [a!.id],
      )
    ).rows[0];
    expect(ev).toMatchObject({
      note_url: 'https://praxis.encommun.io/n/n1/',
      title: 'Note n1',
      published_on: '2027-05-20',
      late: true,
      source: 'feed',
    });
    expect(ev.verified_at.toISOString()).toBe('2027-05-28T12:00:00.000Z'); // refreshed by the re-verification
    const tr = (await h.outbox('obligation.transitioned.v1', 'subject = $1', [b!.id])).at(-1)!.data;
    expect(tr).toMatchObject({
      from: 'overdue',
      to: 'fulfilled',
      evidence: { noteUrl: 'https://praxis.encommun.io/n/n2/', publishedOn: '2027-05-16', late: true },
    });
  });

  it('lets one note fulfil one obligation per agreement, in each co-funded agreement it mentions', async () => {
    const one = await agreementWith([
      [1, '2027-09-01'],
      [1, '2027-12-01'],
    ]);
    const two = await agreementWith([[1, '2027-10-01']]);
    await h.publish('praxis.note.verified.v1', verifiedNote('shared', [one.s.agreementId, two.s.agreementId]));
    expect((await h.statusOf(one.obs[0]!.id)).status).toBe('fulfilled'); // earliest due first
    expect((await h.statusOf(one.obs[1]!.id)).status).toBe('upcoming');
    expect((await h.statusOf(two.obs[0]!.id)).status).toBe('fulfilled');
    expect(await h.count(`evidence WHERE note_id = 'shared'`)).toBe(2);
    const late = (await h.db.query('SELECT late FROM obligation WHERE id = $1', [one.obs[0]!.id])).rows[0].late;
    expect(late).toBe(false);
  });

  it('moves a fulfilled obligation to evidence_withdrawn when its note goes, and back when it returns', async () => {
    const {
      s,
      obs: [a],
    } = await agreementWith([[1, '2027-09-01']]);
    await h.publish('praxis.note.verified.v1', verifiedNote('w1', [s.agreementId]));
    await h.publish('praxis.note.withdrawn.v1', {
      noteUrl: 'https://praxis.encommun.io/n/w1/',
      noteId: 'w1',
      reason: 'private',
      httpStatus: 403,
      at: '2027-06-01T10:00:00.000Z',
    });
    expect((await h.statusOf(a!.id)).status).toBe('evidence_withdrawn');
    await h.publish('praxis.note.verified.v1', verifiedNote('w1', [s.agreementId], { source: 'reverify' }));
    expect((await h.statusOf(a!.id)).status).toBe('fulfilled');
    const moves = (await h.outbox('obligation.transitioned.v1', 'subject = $1', [a!.id])).map((e) => [
      e.data.from,
      e.data.to,
    ]);
    expect(moves).toEqual([
      [null, 'upcoming'],
      ['upcoming', 'fulfilled'],
      ['fulfilled', 'evidence_withdrawn'],
      ['evidence_withdrawn', 'fulfilled'],
    ]);
    const e = (await h.db.query('SELECT withdrawn_at FROM evidence WHERE obligation_id = $1', [a!.id])).rows[0];
    expect(e.withdrawn_at).toBeNull();
    await h.expectValidOutbox();
  });

  it('ignores a verified note for agreements it does not know: logged without personal data and counted', async () => {
    const metric = async () =>
      Number(
        /obligations_notes_unknown_agreement_total (\d+)/.exec(await (await fetch(`${h.base}/metrics`)).text())?.[1] ??
          0,
      );
    const before = { metric: await metric(), evidence: await h.count('evidence'), outbox: await h.count('outbox') };
    await h.publish('praxis.note.verified.v1', verifiedNote('unknown', [uuid(), uuid()]));
    expect(await metric()).toBe(before.metric + 2);
    expect(await h.count('evidence')).toBe(before.evidence);
    expect(await h.count('outbox')).toBe(before.outbox);
  });
});

describe('POST /v1/obligations/{id}/evidence (declared by the grantee)', () => {
  it('fulfils the obligation in the same request when the four connector checks and not_already_used pass', async () => {
    const {
      f,
      s,
      obs: [a],
    } = await agreementWith([[1, '2027-09-01']]);
    verifier.next = { checks: four(), note: note('d1') };
    const r = await h.call(
      'POST',
      `/v1/obligations/${a!.id}/evidence`,
      { role: 'grantee', granteeId: f.granteeId, keyId: 'gk1' },
      { url: 'https://praxis.encommun.io/n/d1/' },
    );
    expect(r.status).toBe(200);
    const body = (await r.json()) as any;
    expect(body.accepted).toBe(true);
    expect(body.checks.map((c: Check) => [c.name, c.passed])).toEqual([
      ['host_allowed', true],
      ['publicly_accessible', true],
      ['mentions_reference', true],
      ['published_in_window', true],
      ['not_already_used', true],
    ]);
    expect(body.obligation).toMatchObject({ id: a!.id, status: 'fulfilled', late: false });
    expect(verifier.requests.at(-1)).toEqual({
      url: 'https://praxis.encommun.io/n/d1/',
      locale: 'fr',
      agreement: {
        id: s.agreementId,
        funderId: f.funderId,
        referenceCode: s.referenceCode,
        externalRef: s.externalRef,
        startDate: '2027-01-01',
        dueDate: '2027-09-01',
      },
    });
    const ev = (await h.db.query('SELECT source FROM evidence WHERE obligation_id = $1', [a!.id])).rows[0];
    expect(ev.source).toBe('declared');
    const tr = (await h.outbox('obligation.transitioned.v1', 'subject = $1', [a!.id])).at(-1)!.data;
    expect(tr).toMatchObject({ to: 'fulfilled', actor: { kind: 'api_key', id: 'gk1' } });
  });

  it("leaves a 'declared' note event to the grantee's request: it only refreshes evidence the request recorded", async () => {
    const {
      f,
      s,
      obs: [a, b],
    } = await agreementWith([[2, '2027-09-01']]);
    // the connector's event for the declaration arrives first: it must not pick obligation a for the note
    await h.publish('praxis.note.verified.v1', verifiedNote('decl', [s.agreementId], { source: 'declared' }));
    expect((await h.statusOf(a!.id)).status).toBe('upcoming');
    verifier.next = { checks: four(), note: note('decl') };
    const r = await h.call('POST', `/v1/obligations/${b!.id}/evidence`, grantee(f), {
      url: 'https://praxis.encommun.io/n/decl/',
    });
    expect(((await r.json()) as any).accepted).toBe(true);
    expect((await h.statusOf(b!.id)).status).toBe('fulfilled');
    await h.publish(
      'praxis.note.verified.v1',
      verifiedNote('decl', [s.agreementId], { source: 'declared', verifiedAt: '2027-05-29T00:00:00.000Z' }),
    );
    expect((await h.statusOf(a!.id)).status).toBe('upcoming');
    expect(
      (
        await h.db.query('SELECT verified_at FROM evidence WHERE obligation_id = $1', [b!.id])
      ).rows[0].verified_at.toISOString(),
    ).toBe('2027-05-29T00:00:00.000Z');
  });

  it('refuses a URL that fails a connector check: says why, fifth check not reached, nothing stored', async () => {
    const {
      f,
      obs: [a],
    } = await agreementWith([[1, '2027-09-01']]);
    verifier.next = { checks: four('mentions_reference'), note: null };
    const before = { evidence: await h.count('evidence'), outbox: await h.count('outbox') };
    const r = await h.call(
      'POST',
      `/v1/obligations/${a!.id}/evidence`,
      grantee(f),
      { url: 'https://praxis.encommun.io/n/x/' },
      { 'accept-language': 'en-CA,en;q=0.9' },
    );
    const body = (await r.json()) as any;
    expect(r.status).toBe(200);
    expect(body.accepted).toBe(false);
    expect(body.checks[2]).toEqual({ name: 'mentions_reference', passed: false, detail: 'échec' });
    expect(body.checks[4]).toEqual({
      name: 'not_already_used',
      passed: false,
      detail: 'Not checked: the note did not pass the previous checks.',
    });
    expect(verifier.requests.at(-1)!.locale).toBe('en');
    expect(body.obligation.status).toBe('upcoming');
    expect(await h.count('evidence')).toBe(before.evidence);
    expect(await h.count('outbox')).toBe(before.outbox);
  });

  it('refuses a note already used for another obligation of the agreement (not_already_used), storing nothing', async () => {
    const {
      f,
      obs: [a, b],
    } = await agreementWith([[2, '2027-09-01']]);
    verifier.next = { checks: four(), note: note('dup') };
    const as = { role: 'grantee' as const, granteeId: f.granteeId };
    expect(
      (
        (await (
          await h.call('POST', `/v1/obligations/${a!.id}/evidence`, as, { url: 'https://praxis.encommun.io/n/dup/' })
        ).json()) as any
      ).accepted,
    ).toBe(true);
    const before = { evidence: await h.count('evidence'), outbox: await h.count('outbox') };
    const r = await h.call('POST', `/v1/obligations/${b!.id}/evidence`, as, {
      url: 'https://praxis.encommun.io/n/dup/',
    });
    const body = (await r.json()) as any;
    expect(body.accepted).toBe(false);
    expect(body.checks[4]).toMatchObject({ name: 'not_already_used', passed: false });
    expect(body.checks[4].detail).toContain('sert déjà de preuve');
    expect((await h.statusOf(b!.id)).status).toBe('upcoming');
    expect(await h.count('evidence')).toBe(before.evidence);
    expect(await h.count('outbox')).toBe(before.outbox);
  });

  it('answers 404 to another grantee, 403 to a funder, 409 on a closed obligation, 503 when the connector is down, 422 without url', async () => {
    const {
      f,
      obs: [a],
    } = await agreementWith([[1, '2027-09-01']]);
    const url = { url: 'https://praxis.encommun.io/n/z/' };
    const calls = verifier.requests.length;
    expect(
      (await h.call('POST', `/v1/obligations/${a!.id}/evidence`, { role: 'grantee', granteeId: uuid() }, url)).status,
    ).toBe(404);
    expect((await h.call('POST', `/v1/obligations/${uuid()}/evidence`, grantee(f), url)).status).toBe(404);
    expect((await h.call('POST', `/v1/obligations/${a!.id}/evidence`, funder(f), url)).status).toBe(403);
    const bad = await h.call('POST', `/v1/obligations/${a!.id}/evidence`, grantee(f), {});
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as any).errors[0].path).toBe('url');
    expect(verifier.requests.length).toBe(calls); // refused before any verification
    verifier.next = new AppError('unavailable', 'the Praxis connector cannot be reached; try again later');
    const down = await h.call('POST', `/v1/obligations/${a!.id}/evidence`, grantee(f), url);
    expect(down.status).toBe(503);
    expect((await h.statusOf(a!.id)).status).toBe('upcoming');
    await h.call('POST', `/v1/obligations/${a!.id}/waiver`, funder(f), { reason: 'Projet fusionné' });
    const closed = await h.call('POST', `/v1/obligations/${a!.id}/evidence`, grantee(f), url);
    expect(closed.status).toBe(409);
    expect(((await closed.json()) as any).detail).toBe(
      'cette obligation est close (waived) : une preuve ne se déclare que pour une obligation ouverte',
    );
  });
});
