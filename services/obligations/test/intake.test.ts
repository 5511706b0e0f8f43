import { fixture, harnessForFile, obligationsOf, programme, snapshot, uuid, verifiedNote } from './helpers';

// Agreement events → obligations: idempotent, order-proof reconciliation to full snapshots.
const h = harnessForFile({ today: '2027-06-01' });

describe('agreement intake', () => {
  it('creates the obligations of a registered agreement in the class of their due date, with a transition from null', async () => {
    const f = fixture();
    await h.publish('programme.registered.v1', programme(f));
    const req = uuid();
    const obs = [
      ...obligationsOf(req, 2, '2027-12-31'),
      ...obligationsOf(uuid(), 1, '2027-06-20', 'mid_term_note'),
      ...obligationsOf(uuid(), 1, '2027-05-01', 'final_note'),
    ];
    const s = snapshot(f, { obligations: obs });
    await h.publish('agreement.registered.v1', s);
    expect((await h.statusOf(obs[0]!.id)).status).toBe('upcoming');
    expect((await h.statusOf(obs[2]!.id)).status).toBe('due_soon');
    expect((await h.statusOf(obs[3]!.id)).status).toBe('overdue');
    const events = await h.outbox('obligation.transitioned.v1', `data->>'agreementId' = $1`, [s.agreementId]);
    expect(events).toHaveLength(4);
    expect(
      events.every((e) => e.data.from === null && e.data.actor.id === 'k1' && e.data.reason === 'agreement registered'),
    ).toBe(true);
    expect(events.find((e) => e.subject === obs[3]!.id)!.data).toMatchObject({
      to: 'overdue',
      kind: 'final_note',
      dueDate: '2027-05-01',
      granteeId: f.granteeId,
    });
    await h.expectValidOutbox();
  });

  it('ignores the same agreement event arriving twice (same message, and a replay with the same revision)', async () => {
    const f = fixture();
    const obs = obligationsOf(uuid(), 1, '2027-12-31');
    const s = snapshot(f, { obligations: obs });
    const id = await h.publish('agreement.registered.v1', s);
    const before = await h.count('transition');
    const outboxBefore = await h.count('outbox');
    await h.publish('agreement.registered.v1', s, { id }); // redelivery: inbox absorbs it
    await h.publish('agreement.registered.v1', s); // replay under a new message id: revision not newer
    expect(await h.count('transition')).toBe(before);
    expect(await h.count('outbox')).toBe(outboxBefore);
    expect(await h.count('obligation WHERE agreement_id = $1', [s.agreementId])).toBe(1);
  });

  it('applies an amendment (due date moved, previousDueDate recorded) and ignores the registration arriving after it', async () => {
    const f = fixture();
    const obs = obligationsOf(uuid(), 1, '2027-12-31');
    const s1 = snapshot(f, { obligations: obs, revision: 1 });
    const s2 = { ...s1, revision: 2, obligations: [{ ...obs[0]!, dueDate: '2027-06-15' }], changes: ['endDate'] };
    // reordered: the amendment is delivered first
    await h.publish('agreement.amended.v1', s2);
    expect(await h.statusOf(obs[0]!.id)).toEqual({ status: 'due_soon', due_date: '2027-06-15' });
    await h.publish('agreement.registered.v1', s1);
    expect(await h.statusOf(obs[0]!.id)).toEqual({ status: 'due_soon', due_date: '2027-06-15' });
    // a later amendment moves the date of the open obligation back
    const s3 = { ...s2, revision: 3, obligations: [{ ...obs[0]!, dueDate: '2028-01-31' }] };
    await h.publish('agreement.amended.v1', s3);
    expect(await h.statusOf(obs[0]!.id)).toEqual({ status: 'upcoming', due_date: '2028-01-31' });
    const last = (await h.outbox('obligation.transitioned.v1', `subject = $1`, [obs[0]!.id])).at(-1)!.data;
    expect(last).toMatchObject({
      from: 'due_soon',
      to: 'upcoming',
      dueDate: '2028-01-31',
      previousDueDate: '2027-06-15',
      reason: 'due date changed by an amendment of the agreement',
    });
    // the stale registration again, and the old amendment again: nothing changes
    await h.publish('agreement.amended.v1', s2);
    expect(await h.statusOf(obs[0]!.id)).toEqual({ status: 'upcoming', due_date: '2028-01-31' });
  });

  it('moves due dates of open obligations only; removed obligations are cancelled, new ones created', async () => {
    const f = fixture();
    const req = uuid();
    const [a, b] = obligationsOf(req, 2, '2027-12-31');
    const s1 = snapshot(f, { obligations: [a!, b!] });
    await h.publish('agreement.registered.v1', s1);
    // fulfil a with a verified note
    await h.publish('praxis.note.verified.v1', verifiedNote('abc', [s1.agreementId]));
    expect((await h.statusOf(a!.id)).status).toBe('fulfilled');
    const c = obligationsOf(uuid(), 1, '2028-03-31', 'final_note')[0]!;
    const s2 = { ...s1, revision: 2, changes: ['requirements'], obligations: [{ ...a!, dueDate: '2028-02-28' }, c] }; // b removed
    await h.publish('agreement.amended.v1', s2);
    expect(await h.statusOf(a!.id)).toEqual({ status: 'fulfilled', due_date: '2027-12-31' }); // fulfilled keeps its date
    expect((await h.statusOf(b!.id)).status).toBe('cancelled');
    expect(await h.statusOf(c.id)).toEqual({ status: 'upcoming', due_date: '2028-03-31' });
    const created = (await h.outbox('obligation.transitioned.v1', `subject = $1`, [c.id]))[0]!.data;
    expect(created).toMatchObject({ from: null, to: 'upcoming', reason: 'added by an amendment of the agreement' });
  });

  it("keeps a funder's later extension when an amendment recomputes the derived date", async () => {
    const f = fixture();
    const [a] = obligationsOf(uuid(), 1, '2027-07-01');
    const s1 = snapshot(f, { obligations: [a!] });
    await h.publish('agreement.registered.v1', s1);
    const r = await h.call(
      'POST',
      `/v1/obligations/${a!.id}/extension`,
      { role: 'funder', funderId: f.funderId },
      { newDueDate: '2027-10-01', reason: 'Retard de projet' },
    );
    expect(r.status).toBe(200);
    const endDateMoved = (revision: number, dueDate: string) =>
      h.publish('agreement.amended.v1', {
        ...s1,
        revision,
        changes: ['endDate'],
        obligations: [{ ...a!, dueDate }],
      });
    await endDateMoved(2, '2027-08-01');
    expect(await h.statusOf(a!.id)).toEqual({ status: 'extended', due_date: '2027-10-01' });
    await endDateMoved(3, '2027-11-15');
    expect(await h.statusOf(a!.id)).toEqual({ status: 'upcoming', due_date: '2027-11-15' });
  });

  it('cancels open obligations on termination (fulfilled stay), ignores a replayed termination, and a termination before registration', async () => {
    const f = fixture();
    const [a, b] = obligationsOf(uuid(), 2, '2027-12-31');
    const s1 = snapshot(f, { obligations: [a!, b!] });
    await h.publish('agreement.registered.v1', s1);
    await h.publish('praxis.note.verified.v1', verifiedNote('t1', [s1.agreementId], { publishedOn: null }));
    const term = {
      agreementId: s1.agreementId,
      funderId: f.funderId,
      reason: 'Projet abandonné',
      revision: 2,
      actor: { kind: 'api_key' as const, id: 'k9' },
    };
    await h.publish('agreement.terminated.v1', term);
    expect((await h.statusOf(a!.id)).status).toBe('fulfilled');
    expect((await h.statusOf(b!.id)).status).toBe('cancelled');
    const ev = (await h.outbox('obligation.transitioned.v1', `subject = $1`, [b!.id])).at(-1)!.data;
    expect(ev).toMatchObject({
      from: 'upcoming',
      to: 'cancelled',
      reason: 'Projet abandonné',
      actor: { kind: 'api_key', id: 'k9' },
    });
    const n = await h.count('transition');
    await h.publish('agreement.terminated.v1', term);
    await h.publish('agreement.registered.v1', s1);
    expect(await h.count('transition')).toBe(n);
    expect((await h.statusOf(b!.id)).status).toBe('cancelled');

    // termination first, registration later: the registration is stale
    const s2 = snapshot(f, { obligations: obligationsOf(uuid(), 1, '2027-12-31'), revision: 1 });
    await h.publish('agreement.terminated.v1', { ...term, agreementId: s2.agreementId, revision: 2 });
    await h.publish('agreement.registered.v1', s2);
    expect(await h.count('obligation WHERE agreement_id = $1', [s2.agreementId])).toBe(0);
  });

  it("classifies with the programme's earliest stage", async () => {
    const f = fixture();
    await h.publish(
      'programme.registered.v1',
      programme(f, [
        { offsetDays: -60, escalate: false },
        { offsetDays: 0, escalate: false },
      ]),
    );
    const [a] = obligationsOf(uuid(), 1, '2027-07-15'); // 44 days after today
    await h.publish('agreement.registered.v1', snapshot(f, { obligations: [a!] }));
    expect((await h.statusOf(a!.id)).status).toBe('due_soon');
    await h.expectValidOutbox();
  });
});
