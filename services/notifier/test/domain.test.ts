import {
  judgeDelivery,
  nextAttemptAt,
  verdictBeforeSend,
  type DeliveryAttempt,
  type SendOutcome,
} from '../src/domain/delivery-verdict';
import { planDigests, preferenceKey, type FunderCopyTo, type PendingStage } from '../src/domain/digest-plan';

// The two rules the send path turns on, without a database: what an SMTP answer means, and which
// stages go into which email. The service tests show the same through RabbitMQ and a real SMTP server.

const contact: DeliveryAttempt = { kind: 'contact', email: 'lea@ateliers.example', attempts: 1 };
const sent = (rejected: SendOutcome['rejected'] = []): SendOutcome => ({ ok: true, response: '250 ok', rejected });
const failed = (failure: { responseCode?: number; code?: string; message: string }): SendOutcome => ({
  ok: false,
  failure,
  rejected: [],
});

describe('delivery verdict', () => {
  it.each([
    ['accepted', contact, sent(), { state: 'sent' }],
    [
      'a copied address refused, the contact accepted',
      contact,
      sent([{ address: 'suivi@funder.example', responseCode: 550, message: 'no such user' }]),
      { state: 'sent' },
    ],
    [
      'the contact refused (550) while its Cc was accepted',
      contact,
      sent([{ address: 'lea@ateliers.example', responseCode: 550, message: 'no such user' }]),
      { state: 'failed_permanent', reason: '550: no such user', addressFailing: true },
    ],
    [
      'the contact refused with no reply code',
      contact,
      sent([{ address: 'lea@ateliers.example', message: 'refused' }]),
      { state: 'failed_permanent', reason: '550: refused', addressFailing: true },
    ],
    [
      '451 on the first attempt',
      contact,
      failed({ responseCode: 451, message: 'try later' }),
      { state: 'failed_temporary', reason: '451: try later', addressFailing: false },
    ],
    [
      'connection refused',
      contact,
      failed({ code: 'ECONNECTION', message: 'connect ECONNREFUSED' }),
      { state: 'failed_temporary', reason: 'ECONNECTION: connect ECONNREFUSED', addressFailing: false },
    ],
    [
      '451 on the last allowed attempt',
      { ...contact, attempts: 3 },
      failed({ responseCode: 451, message: 'try later' }),
      { state: 'failed_permanent', reason: 'gave up after 3 attempts; last: 451: try later', addressFailing: false },
    ],
    [
      '550 on a funder copy: the contact address is not marked',
      { ...contact, kind: 'funder_copy' },
      failed({ responseCode: 550, message: 'policy' }),
      { state: 'failed_permanent', reason: '550: policy', addressFailing: false },
    ],
  ] as const)('%s', (_, attempt, outcome, verdict) => {
    expect(judgeDelivery(attempt, outcome, 3)).toEqual(verdict);
  });

  it('sends nothing for an empty digest or to a contact address already refused for good', () => {
    expect(verdictBeforeSend(contact, 0, false)).toMatchObject({
      state: 'failed_permanent',
      reason: 'digest has no reminder rows',
    });
    expect(verdictBeforeSend(contact, 2, true)).toMatchObject({
      state: 'failed_permanent',
      reason: expect.stringMatching(/previously rejected/),
      addressFailing: false,
    });
    expect(verdictBeforeSend({ ...contact, kind: 'funder_copy' }, 2, true)).toBeNull();
    expect(verdictBeforeSend(contact, 2, false)).toBeNull();
  });

  it('retries a temporary failure after the backoff, and records a final verdict for now', () => {
    const now = new Date('2027-07-15T12:00:00Z');
    const policy = { retryBaseMs: 1000, retryMaxMs: 5000 };
    const temporary = { state: 'failed_temporary', reason: '451', addressFailing: false } as const;
    expect(nextAttemptAt(temporary, 2, now, policy)).toEqual(new Date(now.getTime() + 2000));
    expect(nextAttemptAt(temporary, 10, now, policy)).toEqual(new Date(now.getTime() + 5000));
    expect(nextAttemptAt({ state: 'sent' }, 2, now, policy)).toEqual(now);
  });
});

describe('digest plan', () => {
  const [F1, F2] = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
  const RUN = 'bbbbbbbb-0000-4000-8000-000000000000';
  const [G1, G2] = ['33333333-3333-4333-8333-333333333333', '44444444-4444-4444-8444-444444444444'];
  const row = (
    n: number,
    email: string,
    funderId: string,
    escalate = false,
    contactLocale = 'fr',
    granteeId: string | null = G1,
  ): PendingStage => ({
    id: `aaaaaaaa-0000-4000-8000-${String(n).padStart(12, '0')}`,
    email,
    funderId,
    granteeId,
    escalate,
    contactLocale,
  });
  const funders = new Map<string, FunderCopyTo>([
    [F1, { locale: 'fr', reportRecipients: ['suivi@f1.example', 'alex@org.example'] }],
    [F2, { locale: 'en', reportRecipients: ['reports@f2.example'] }],
  ]);
  const plan = (rows: PendingStage[], chosen = new Map<string, string | null>()) =>
    planDigests(RUN, rows, chosen, funders, 'd.example');

  it('one digest per address; an escalation about one funder copies its recipients in Cc (never the contact itself)', () => {
    const p = plan([
      row(1, 'alex@org.example', F1, true),
      row(2, 'alex@org.example', F1),
      row(3, 'sam@org.example', F2),
    ]);
    expect(p.digests.map((d) => [d.kind, d.email, d.to, d.cc])).toEqual([
      ['contact', 'alex@org.example', ['alex@org.example'], ['suivi@f1.example']],
      ['contact', 'sam@org.example', ['sam@org.example'], []],
    ]);
    expect(p.assign.map((a) => a.digest)).toEqual([p.digests[0]!.id, p.digests[0]!.id, p.digests[1]!.id]);
  });

  it('an escalation in a digest across funders: no Cc, that funder gets its own copy of its part, in its language', () => {
    const p = plan([row(1, 'alex@org.example', F1), row(2, 'alex@org.example', F2, true)]);
    const [mine, copy] = p.digests;
    expect(mine).toMatchObject({ kind: 'contact', cc: [], parent: null });
    expect(copy).toMatchObject({
      kind: 'funder_copy',
      parent: mine!.id,
      funder: F2,
      to: ['reports@f2.example'],
      cc: [],
      locale: 'en',
    });
    expect(copy!.messageId).not.toBe(mine!.messageId);
    expect(p.digests).toHaveLength(2);
  });

  it("the chosen locale wins over the agreement's, French otherwise; the ids follow the membership", () => {
    const rows = [row(1, 'alex@org.example', F1, false, 'en')];
    expect(plan(rows).digests[0]!.locale).toBe('en');
    expect(plan(rows, new Map([[preferenceKey(G1, 'alex@org.example'), 'fr']])).digests[0]!.locale).toBe('fr');
    expect(plan([row(1, 'alex@org.example', F1, false, 'de')]).digests[0]!.locale).toBe('fr');
    expect(plan(rows).digests[0]!.id).toBe(plan(rows).digests[0]!.id);
    expect(plan([...rows, row(2, 'alex@org.example', F1)]).digests[0]!.id).not.toBe(plan(rows).digests[0]!.id);
  });

  it("a grantee's choice applies to its own agreements: a digest that also speaks of another grantee's follows it only when both chose it", () => {
    const mixed = [row(1, 'alex@org.example', F1, false, 'fr', G1), row(2, 'alex@org.example', F2, false, 'fr', G2)];
    // G2 (another funder's grantee naming the same address) chose English: G1's part is not switched
    expect(plan(mixed, new Map([[preferenceKey(G2, 'alex@org.example'), 'en']])).digests[0]!.locale).toBe('fr');
    expect(
      plan(
        mixed,
        new Map([
          [preferenceKey(G1, 'alex@org.example'), 'en'],
          [preferenceKey(G2, 'alex@org.example'), 'en'],
        ]),
      ).digests[0]!.locale,
    ).toBe('en');
    // a choice made for another address of the same grantee changes nothing here
    expect(plan(mixed.slice(0, 1), new Map([[preferenceKey(G1, 'sam@org.example'), 'en']])).digests[0]!.locale).toBe(
      'fr',
    );
    // a row whose agreement the directory has not seen yet counts as a grantee without a choice
    expect(
      plan(
        [row(1, 'alex@org.example', F1), row(2, 'alex@org.example', F1, false, 'fr', null)],
        new Map([[preferenceKey(G1, 'alex@org.example'), 'en']]),
      ).digests[0]!.locale,
    ).toBe('fr');
  });
});
