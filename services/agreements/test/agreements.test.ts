/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are untyped JSON, checked by the assertions */
import crypto from 'node:crypto';
import { asPrincipal, eventually, publishEvent, tapEvents } from '@pc/testkit';
import { parseReferenceCode } from '../src/domain/reference-code';
import { funderKey, startHarness, TODAY, type Harness } from './helpers';

// The agreements service called directly as the edge would (signed principal headers), on a fresh
// database and vhost: routes, tenancy, bad input, events through the outbox to the bus.
jest.setTimeout(120_000); // the shared 2-core machine is slow at times (jest's testTimeout is not a project option)
let h: Harness;
const F1 = crypto.randomUUID();
const F2 = crypto.randomUUID();
const f1 = funderKey(F1);
const f2 = funderKey(F2);

const postProgramme = (body: Record<string, unknown>, key: Record<string, string>) =>
  h.call('POST', '/v1/programmes', body, key);

const agreement = (over: Record<string, unknown> = {}) => ({
  externalRef: 'FQ-2027-0042',
  programmeCode: 'MOBILISATION',
  title: 'Cuisine collective de quartier',
  amount: { value: 2500000, currency: 'CAD' },
  startDate: '2027-01-01',
  endDate: '2027-12-31',
  signedAt: '2026-12-10',
  grantee: {
    name: 'Cuisines solidaires de Limoilou',
    neq: '1234567890',
    contacts: [{ name: 'Alex Tremblay', email: 'alex@example.org', locale: 'fr' }],
  },
  requirements: [
    { kind: 'learning_note', count: 2, due: { anchor: 'end', offset: 'P90D' } },
    { kind: 'mid_term_note', count: 1, due: { date: '2027-07-15' } },
  ],
  ...over,
});

beforeAll(async () => {
  h = await startHarness();
  for (const key of [f1, f2]) {
    const r = await postProgramme({ code: 'MOBILISATION', name: 'Mobilisation des savoirs' }, key);
    expect(r.status).toBe(201);
  }
});
afterAll(async () => {
  await h?.stop();
});

describe('programmes', () => {
  it('registers a programme with the default reminder policy and publishes programme.registered', async () => {
    const tap = await tapEvents(h.t.amqpUrl, ['programme.registered.v1']);
    try {
      const r = await postProgramme(
        { code: 'CULTURE', name: 'Culture', sector: 'arts', praxisFeeds: ['https://praxis.encommun.io/feeds/culture'] },
        f1,
      );
      expect(r.status).toBe(201);
      expect(r.body.reminderPolicy.stages).toEqual([
        { offsetDays: -30, escalate: false },
        { offsetDays: -7, escalate: false },
        { offsetDays: 0, escalate: false },
        { offsetDays: 7, escalate: false },
        { offsetDays: 30, escalate: true },
      ]);
      expect(r.body.defaultRequirements).toEqual([
        { kind: 'learning_note', count: 1, due: { anchor: 'end', offset: 'P90D' } },
      ]);
      const ev = await eventually(
        async () => tap.messages.find((m) => m.subject === r.body.id),
        'programme.registered on the bus',
      );
      expect(ev.data).toMatchObject({
        programmeId: r.body.id,
        funderId: F1,
        code: 'CULTURE',
        sector: 'arts',
        praxisFeeds: ['https://praxis.encommun.io/feeds/culture'],
      });
      expect(ev.data.reminderStages).toHaveLength(5);
    } finally {
      await tap.close();
    }
  });

  it('refuses a second programme with the same code for the same funder (409)', async () => {
    const r = await postProgramme({ code: 'MOBILISATION', name: 'x' }, f1);
    expect(r.status).toBe(409);
  });

  it('lists only the caller funder programmes; auditors read their scope; grantees are refused', async () => {
    const mine = await h.call('GET', '/v1/programmes', undefined, f2);
    expect(mine.body.data.map((p: { code: string }) => p.code)).toEqual(['MOBILISATION']);
    const auditor = await h.call(
      'GET',
      '/v1/programmes',
      undefined,
      asPrincipal({ role: 'auditor', funderIds: [F1, F2] }),
    );
    expect(auditor.body.data.length).toBeGreaterThanOrEqual(3);
    expect(
      (
        await h.call(
          'GET',
          '/v1/programmes',
          undefined,
          asPrincipal({ role: 'grantee', granteeId: crypto.randomUUID() }),
        )
      ).status,
    ).toBe(403);
    expect(
      (await postProgramme({ code: 'X', name: 'x' }, asPrincipal({ role: 'auditor', funderIds: [F1] }))).status,
    ).toBe(403);
  });

  it('refuses a default requirement with a bad duration (422, nothing stored)', async () => {
    const r = await postProgramme(
      {
        code: 'BAD',
        name: 'x',
        defaultRequirements: [{ kind: 'learning_note', due: { anchor: 'end', offset: 'P3X' } }],
      },
      f1,
    );
    expect(r.status).toBe(422);
    expect(r.body.errors[0].path).toBe('defaultRequirements[0].due.offset');
    expect((await h.db.query("SELECT count(*)::int AS n FROM programme WHERE code = 'BAD'")).rows[0].n).toBe(0);
  });
});

describe('POST /v1/agreements', () => {
  let created: any;

  it('registers an agreement (201): referenceCode, grantee, derived obligations, event with the full snapshot on the bus', async () => {
    const tap = await tapEvents(h.t.amqpUrl, ['agreement.#']);
    try {
      const r = await h.call('POST', '/v1/agreements', agreement(), f1);
      expect(r.status).toBe(201);
      created = r.body;
      expect(parseReferenceCode(created.referenceCode)).toBe(created.referenceCode);
      expect(created).toMatchObject({
        status: 'active',
        externalRef: 'FQ-2027-0042',
        grantee: { name: 'Cuisines solidaires de Limoilou', neq: '1234567890' },
        revision: 1,
      });
      expect(created.obligations.map((o: any) => [o.kind, o.sequence, o.dueDate, o.status])).toEqual([
        ['learning_note', 1, '2028-03-30', 'upcoming'],
        ['learning_note', 2, '2028-03-30', 'upcoming'],
        ['mid_term_note', 1, '2027-07-15', 'upcoming'],
      ]);
      const ev = await eventually(
        async () => tap.messages.find((m) => m.subject === created.id),
        'agreement.registered on the bus',
      );
      if (ev.type !== 'agreement.registered.v1')
        throw new Error(`expected agreement.registered.v1 on the bus, got ${ev.type}`);
      expect(ev.data).toMatchObject({
        agreementId: created.id,
        funderId: F1,
        referenceCode: created.referenceCode,
        revision: 1,
        programmeCode: 'MOBILISATION',
        grantee: { id: created.grantee.id, neq: '1234567890' },
        contacts: [{ name: 'Alex Tremblay', email: 'alex@example.org', locale: 'fr' }],
      });
      expect(ev.data.obligations.map((o: any) => o.id).sort()).toEqual(
        created.obligations.map((o: any) => o.id).sort(),
      );
      await eventually(
        async () =>
          (await h.db.query('SELECT published_at FROM outbox WHERE subject = $1', [created.id])).rows[0]?.published_at,
        'outbox row published',
      );
    } finally {
      await tap.close();
    }
  });

  it('answers 200 with the same agreement to a replay of the same content, storing nothing more', async () => {
    const before = await h.counts();
    const r = await h.call('POST', '/v1/agreements', agreement(), f1);
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(created.id);
    expect(r.body.referenceCode).toBe(created.referenceCode);
    expect(await h.counts()).toEqual(before);
  });

  it('answers 409 to the same externalRef with different content, storing nothing', async () => {
    const before = await h.counts();
    const r = await h.call('POST', '/v1/agreements', agreement({ title: 'Autre titre' }), f1);
    expect(r.status).toBe(409);
    expect(r.body.errors[0].path).toBe('externalRef');
    expect(await h.counts()).toEqual(before);
  });

  it('applies the programme default requirements when the agreement has none', async () => {
    const r = await h.call('POST', '/v1/agreements', agreement({ externalRef: 'DEF-1', requirements: undefined }), f1);
    expect(r.status).toBe(201);
    expect(r.body.defaultRequirements).toBe(true);
    expect(r.body.obligations.map((o: any) => [o.kind, o.dueDate])).toEqual([['learning_note', '2028-03-30']]);
  });

  it('shows the initial status from the calendar: due_soon within the earliest stage, overdue after the due date', async () => {
    const r = await h.call(
      'POST',
      '/v1/agreements',
      agreement({
        externalRef: 'STATUS-1',
        requirements: [
          { kind: 'learning_note', due: { date: '2027-06-20' } },
          { kind: 'final_note', due: { date: '2027-05-31' } },
          { kind: 'mid_term_note', due: { date: '2027-08-01' } },
        ],
      }),
      f1,
    );
    expect(r.body.obligations.map((o: any) => o.status)).toEqual(['due_soon', 'overdue', 'upcoming']);
  });

  // The obligations service has the same test (evaluation.test.ts): both services classify with
  // @pc/lifecycle, so a programme that only reminds after the due date is upcoming on the due day in both.
  it('a programme that only reminds after the due date: upcoming on the due day, overdue the day after, also after an amendment', async () => {
    const p = await postProgramme(
      {
        code: 'APRES',
        name: 'Rappels après échéance',
        reminderPolicy: { stages: [{ offsetDays: 7 }, { offsetDays: 30, escalate: true }] },
      },
      f1,
    );
    expect(p.status).toBe(201);
    const r = await h.call(
      'POST',
      '/v1/agreements',
      agreement({
        externalRef: 'STATUS-AFTER',
        programmeCode: 'APRES',
        requirements: [
          { kind: 'learning_note', due: { date: TODAY } },
          { kind: 'final_note', due: { date: '2027-05-31' } },
        ],
      }),
      f1,
    );
    expect(r.status).toBe(201);
    expect(r.body.obligations.map((o: any) => [o.dueDate, o.status])).toEqual([
      [TODAY, 'upcoming'],
      ['2027-05-31', 'overdue'],
    ]);
    const moved = await h.call(
      'PATCH',
      `/v1/agreements/${r.body.id}`,
      {
        requirements: [
          { kind: 'learning_note', due: { date: '2027-05-31' } },
          { kind: 'final_note', due: { date: TODAY } },
        ],
      },
      f1,
    );
    expect(moved.status).toBe(200);
    expect(moved.body.obligations.map((o: any) => [o.dueDate, o.status])).toEqual([
      ['2027-05-31', 'overdue'],
      [TODAY, 'upcoming'],
    ]);
  });

  it("a grantee is one funder's: the same NEQ or the same name is the same grantee only within a funder", async () => {
    const other = await h.call('POST', '/v1/agreements', agreement({ externalRef: 'F2-1' }), f2);
    expect(other.status).toBe(201);
    // another funder typing the NEQ does not reach F1's grantee (an admin link does: hardening.test.ts)
    expect(other.body.grantee.id).not.toBe(created.grantee.id);
    const again = await h.call('POST', '/v1/agreements', agreement({ externalRef: 'F1-NEQ-2' }), f1);
    expect(again.body.grantee.id).toBe(created.grantee.id);
    const noNeq = (ref: string) => agreement({ externalRef: ref, grantee: { name: 'Comité citoyen', contacts: [] } });
    const a = await h.call('POST', '/v1/agreements', noNeq('N-1'), f1);
    const b = await h.call('POST', '/v1/agreements', noNeq('N-2'), f1);
    const c = await h.call('POST', '/v1/agreements', noNeq('N-3'), f2);
    expect(a.body.grantee.id).toBe(b.body.grantee.id);
    expect(c.body.grantee.id).not.toBe(a.body.grantee.id);
  });

  it('stores text starting with = + - @ as plain text', async () => {
    const r = await h.call(
      'POST',
      '/v1/agreements',
      agreement({ externalRef: '=HYPERLINK("x")', title: '@SUM(A1)+1', grantee: { name: '-2+3', contacts: [] } }),
      f1,
    );
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ externalRef: '=HYPERLINK("x")', title: '@SUM(A1)+1', grantee: { name: '-2+3' } });
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['wrong types', { title: 42 }, 'title'],
    ['unknown programmeCode', { programmeCode: 'NOPE' }, 'programmeCode'],
    ['endDate before startDate', { endDate: '2026-12-31' }, 'endDate'],
    ['negative amount', { amount: { value: -5, currency: 'CAD' } }, 'amount.value'],
    ['fractional amount', { amount: { value: 10.5, currency: 'CAD' } }, 'amount.value'],
    ['currency other than CAD', { amount: { value: 100, currency: 'USD' } }, 'amount.currency'],
    ['NEQ not 10 digits', { grantee: { name: 'G', neq: '12345' } }, 'grantee.neq'],
    [
      'invalid email',
      { grantee: { name: 'G', contacts: [{ name: 'A', email: 'pas-une-adresse' }] } },
      'grantee.contacts[0].email',
    ],
    [
      'unknown requirement kind',
      { requirements: [{ kind: 'essay', due: { date: '2027-07-01' } }] },
      'requirements[0].kind',
    ],
    [
      'bad ISO duration',
      { requirements: [{ kind: 'learning_note', due: { anchor: 'end', offset: 'P3X' } }] },
      'requirements[0].due.offset',
    ],
    ['impossible date', { startDate: '2027-02-30' }, 'startDate'],
    [
      'signature anchor without signedAt',
      { signedAt: undefined, requirements: [{ kind: 'learning_note', due: { anchor: 'signature', offset: 'P1Y' } }] },
      'requirements[0].due.anchor',
    ],
  ];
  it.each(bad)('refuses %s with 422 naming the field, storing nothing', async (_what, over, path) => {
    const before = await h.counts();
    const r = await h.call(
      'POST',
      '/v1/agreements',
      agreement({ externalRef: `BAD-${crypto.randomUUID()}`, ...over }),
      f1,
    );
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await h.counts()).toEqual(before);
  });

  it('answers in English when asked', async () => {
    const r = await h.call('POST', '/v1/agreements', agreement({ externalRef: 'EN-1', endDate: '2026-01-01' }), {
      ...f1,
      'accept-language': 'en-CA',
    });
    expect(r.body.errors.find((e: { path: string }) => e.path === 'endDate').message).toBe(
      'endDate is before startDate',
    );
    const fr = await h.call('POST', '/v1/agreements', agreement({ externalRef: 'EN-1', endDate: '2026-01-01' }), f1);
    expect(fr.body.errors.find((e: { path: string }) => e.path === 'endDate').message).toBe(
      'la date de fin précède la date de début',
    );
  });

  it('answers 400 to malformed JSON and 413 to a body over 1 MiB, storing nothing', async () => {
    const before = await h.counts();
    const res = await fetch(`${h.base}/v1/agreements`, {
      method: 'POST',
      headers: { ...f1, 'content-type': 'application/json' },
      body: '{"externalRef": "x",',
    });
    expect(res.status).toBe(400);
    const big = await h.call(
      'POST',
      '/v1/agreements',
      agreement({ externalRef: 'BIG', title: 'x'.repeat(1_100_000) }),
      f1,
    );
    expect(big.status).toBe(413);
    expect(await h.counts()).toEqual(before);
  });

  it("cannot register under another funder's programme: the code is unknown to this funder (422)", async () => {
    const before = await h.counts();
    const r = await h.call(
      'POST',
      '/v1/agreements',
      agreement({ externalRef: 'X-TENANT', programmeCode: 'CULTURE' }),
      f2,
    ); // CULTURE belongs to F1
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([{ path: 'programmeCode', message: 'programme inconnu : CULTURE' }]);
    expect(await h.counts()).toEqual(before);
  });

  it('refuses roles other than funder (403)', async () => {
    for (const p of [
      asPrincipal({ role: 'auditor', funderIds: [F1] }),
      asPrincipal({ role: 'grantee', granteeId: crypto.randomUUID() }),
      asPrincipal({ role: 'admin' }),
    ]) {
      expect((await h.call('POST', '/v1/agreements', agreement({ externalRef: 'ROLE' }), p)).status).toBe(403);
    }
  });
});

describe('reading agreements', () => {
  it('GET by id: the owner sees it with history; another funder gets 404; an auditor sees its scope without contacts', async () => {
    const { body: a } = await h.call('POST', '/v1/agreements', agreement({ externalRef: 'READ-1' }), f1);
    const own = await h.call('GET', `/v1/agreements/${a.id}`, undefined, f1);
    expect(own.status).toBe(200);
    expect(own.body.history).toEqual([]);
    expect(own.body.contacts).toHaveLength(1);
    expect((await h.call('GET', `/v1/agreements/${a.id}`, undefined, f2)).status).toBe(404);
    expect((await h.call('GET', `/v1/agreements/${crypto.randomUUID()}`, undefined, f1)).status).toBe(404);
    const auditor = await h.call(
      'GET',
      `/v1/agreements/${a.id}`,
      undefined,
      asPrincipal({ role: 'auditor', funderIds: [F1] }),
    );
    expect(auditor.status).toBe(200);
    expect(auditor.body.contacts).toBeUndefined();
    expect(
      (await h.call('GET', `/v1/agreements/${a.id}`, undefined, asPrincipal({ role: 'auditor', funderIds: [F2] })))
        .status,
    ).toBe(404);
    expect((await h.call('GET', `/v1/agreements/${a.id}`, undefined, asPrincipal({ role: 'admin' }))).status).toBe(403);
  });

  it('lists with filters and pages with an opaque cursor, never across tenants', async () => {
    await postProgramme({ code: 'PAGE', name: 'Pagination' }, f1);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await h.call(
        'POST',
        '/v1/agreements',
        agreement({
          externalRef: `PAGE-${i}`,
          programmeCode: 'PAGE',
          grantee: { name: `Org ${i}`, neq: `900000000${i}` },
        }),
        f1,
      );
      ids.push(r.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: any = await h.call(
        'GET',
        `/v1/agreements?programme=PAGE&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        undefined,
        f1,
      );
      expect(r.status).toBe(200);
      seen.push(...r.body.data.map((a: { id: string }) => a.id));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([...ids].sort());
    const byNeq = await h.call('GET', '/v1/agreements?granteeNeq=9000000003', undefined, f1);
    expect(byNeq.body.data.map((a: { externalRef: string }) => a.externalRef)).toEqual(['PAGE-3']);
    expect((await h.call('GET', '/v1/agreements?programme=PAGE', undefined, f2)).body.data).toEqual([]);
    expect((await h.call('GET', '/v1/agreements?cursor=garbage', undefined, f1)).status).toBe(422);
    const auditor = await h.call(
      'GET',
      '/v1/agreements?programme=PAGE&limit=500',
      undefined,
      asPrincipal({ role: 'auditor', funderIds: [F1] }),
    );
    expect(auditor.body.data).toHaveLength(5);
  });
});

describe('amendments and termination', () => {
  let a: any;
  beforeAll(async () => {
    a = (await h.call('POST', '/v1/agreements', agreement({ externalRef: 'AMEND-1' }), f1)).body;
  });

  it('keeps the obligation status read model from obligation.transitioned events (newest wins)', async () => {
    const fulfilled = a.obligations[0];
    const transitioned = (from: 'upcoming' | null, to: 'upcoming' | 'fulfilled', at: Date) =>
      publishEvent(h.t.amqpUrl, 'obligation.transitioned.v1', {
        obligationId: fulfilled.id,
        agreementId: a.id,
        funderId: F1,
        programmeId: crypto.randomUUID(),
        granteeId: a.grantee.id,
        kind: 'learning_note',
        dueDate: fulfilled.dueDate,
        from,
        to,
        reason: null,
        at: at.toISOString(),
        actor: { kind: 'system', id: 'test' },
      });
    await transitioned('upcoming', 'fulfilled', new Date(Date.now() + 1000));
    await eventually(
      async () =>
        (await h.call('GET', `/v1/agreements/${a.id}`, undefined, f1)).body.obligations[0].status === 'fulfilled',
      'status fulfilled',
    );
    // an older event arriving late does not move it back
    await transitioned(null, 'upcoming', new Date(Date.now() - 60_000));
    await new Promise((r) => setTimeout(r, 500));
    expect((await h.call('GET', `/v1/agreements/${a.id}`, undefined, f1)).body.obligations[0].status).toBe('fulfilled');
  });

  it('recomputes open obligations on a new endDate, keeps fulfilled ones, records history, publishes agreement.amended', async () => {
    const tap = await tapEvents(h.t.amqpUrl, ['agreement.amended.v1']);
    try {
      const r = await h.call('PATCH', `/v1/agreements/${a.id}`, { endDate: '2028-03-31', reason: 'prolongation' }, f1);
      expect(r.status).toBe(200);
      expect(r.body.revision).toBe(2);
      expect(r.body.obligations.map((o: any) => [o.id, o.dueDate, o.status])).toEqual([
        [a.obligations[0].id, '2028-03-30', 'fulfilled'], // fulfilled: date kept
        [a.obligations[1].id, '2028-06-29', 'upcoming'], // 2028-03-31 + P90D, same id
        [a.obligations[2].id, '2027-07-15', 'upcoming'], // fixed date unchanged
      ]);
      expect(r.body.history).toHaveLength(1);
      expect(r.body.history[0]).toMatchObject({
        revision: 2,
        kind: 'amended',
        reason: 'prolongation',
        changes: ['endDate', 'obligations'],
        before: { endDate: '2027-12-31', obligations: [{ id: a.obligations[1].id, dueDate: '2028-03-30' }] },
        after: { endDate: '2028-03-31', obligations: [{ id: a.obligations[1].id, dueDate: '2028-06-29' }] },
      });
      const ev = await eventually(
        async () => tap.messages.find((m) => m.subject === a.id),
        'agreement.amended on the bus',
      );
      expect(ev.data).toMatchObject({ revision: 2, endDate: '2028-03-31', changes: ['endDate', 'obligations'] });
      expect(ev.data.obligations).toHaveLength(3);
    } finally {
      await tap.close();
    }
  });

  it('replaces requirements: same ids per (requirement, sequence), fewer obligations retired, contacts replaced', async () => {
    const r = await h.call(
      'PATCH',
      `/v1/agreements/${a.id}`,
      {
        requirements: [{ kind: 'learning_note', count: 1, due: { anchor: 'end', offset: 'P30D' } }],
        contacts: [{ name: 'Sam Roy', email: 'sam@example.org', locale: 'en' }],
      },
      f1,
    );
    expect(r.status).toBe(200);
    expect(r.body.revision).toBe(3);
    // sequence 1 was fulfilled: kept with its date; sequence 2 no longer required; the mid-term requirement retired
    expect(r.body.obligations.map((o: any) => [o.id, o.dueDate, o.status])).toEqual([
      [a.obligations[0].id, '2028-03-30', 'fulfilled'],
    ]);
    expect(r.body.contacts).toEqual([{ name: 'Sam Roy', email: 'sam@example.org', locale: 'en' }]);
    const back = await h.call(
      'PATCH',
      `/v1/agreements/${a.id}`,
      { requirements: [{ kind: 'learning_note', count: 2, due: { anchor: 'end', offset: 'P30D' } }] },
      f1,
    );
    expect(back.body.obligations.map((o: any) => o.id)).toEqual([a.obligations[0].id, a.obligations[1].id]); // same id comes back
    expect(back.body.obligations[1].dueDate).toBe('2028-04-30');
  });

  it('refuses a bad amendment (422) and an empty one, changing nothing', async () => {
    const before = await h.db.query('SELECT revision, end_date::text FROM agreement WHERE id = $1', [a.id]);
    const r = await h.call('PATCH', `/v1/agreements/${a.id}`, { endDate: '2026-01-01' }, f1);
    expect(r.status).toBe(422);
    expect(r.body.errors[0].path).toBe('endDate');
    expect(
      (
        await h.call(
          'PATCH',
          `/v1/agreements/${a.id}`,
          { requirements: [{ kind: 'learning_note', due: { anchor: 'end', offset: 'P1H' } }] },
          f1,
        )
      ).status,
    ).toBe(422);
    expect((await h.call('PATCH', `/v1/agreements/${a.id}`, { reason: 'rien' }, f1)).status).toBe(422);
    expect((await h.db.query('SELECT revision, end_date::text FROM agreement WHERE id = $1', [a.id])).rows).toEqual(
      before.rows,
    );
  });

  it('another funder gets 404 on PATCH and terminate; an auditor 403', async () => {
    expect((await h.call('PATCH', `/v1/agreements/${a.id}`, { endDate: '2028-12-31' }, f2)).status).toBe(404);
    expect((await h.call('POST', `/v1/agreements/${a.id}/terminate`, { reason: 'x' }, f2)).status).toBe(404);
    expect(
      (
        await h.call(
          'PATCH',
          `/v1/agreements/${a.id}`,
          { endDate: '2028-12-31' },
          asPrincipal({ role: 'auditor', funderIds: [F1] }),
        )
      ).status,
    ).toBe(403);
    expect((await h.call('GET', `/v1/agreements/${a.id}`, undefined, f1)).body.status).toBe('active');
  });

  it('terminates: open obligations cancelled, fulfilled kept, agreement.terminated published; then no more changes', async () => {
    const tap = await tapEvents(h.t.amqpUrl, ['agreement.terminated.v1']);
    try {
      const r = await h.call('POST', `/v1/agreements/${a.id}/terminate`, { reason: 'projet abandonné' }, f1);
      expect(r.status).toBe(200);
      expect(r.body.status).toBe('terminated');
      expect(r.body.obligations.map((o: any) => o.status)).toEqual(['fulfilled', 'cancelled']);
      expect(r.body.history.at(-1)).toMatchObject({ kind: 'terminated', reason: 'projet abandonné' });
      const ev = await eventually(
        async () => tap.messages.find((m) => m.subject === a.id),
        'agreement.terminated on the bus',
      );
      expect(ev.data).toMatchObject({
        agreementId: a.id,
        funderId: F1,
        reason: 'projet abandonné',
        revision: r.body.revision,
      });
      expect((await h.call('POST', `/v1/agreements/${a.id}/terminate`, { reason: 'encore' }, f1)).status).toBe(409);
      expect((await h.call('PATCH', `/v1/agreements/${a.id}`, { endDate: '2029-01-01' }, f1)).status).toBe(409);
      const filtered = await h.call('GET', '/v1/agreements?status=terminated', undefined, f1);
      expect(filtered.body.data.map((x: { id: string }) => x.id)).toEqual([a.id]);
    } finally {
      await tap.close();
    }
  });
});
