import crypto from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { pgTransact, QUEUES, type BatchItem, type SqlTx } from '@pc/bus';
import type { EventData } from '@pc/contracts';
import { eventually, publishEvents, waitForDeadLetters } from '@pc/testkit';
import { recordObligationStatuses } from '../src/use-cases/record-obligation-status';
import { funderKey, startHarness, type Harness } from './helpers';

// The status read model applied a batch at a time must end exactly as the per-event statement the
// consumer used to run for each transition in delivery order; and one bad transition in a burst
// must not keep the others from being applied.
jest.setTimeout(180_000);
let h: Harness;
let pool: pg.Pool;
const F = crypto.randomUUID();
const key = funderKey(F);
const actor = { kind: 'system' as const, id: 'test' };
const BASE = '2027-01-01T00:00:00.000Z';

const agreement = (externalRef: string) => ({
  externalRef,
  programmeCode: 'MOBILISATION',
  title: 'Cuisine collective',
  amount: { value: 100000, currency: 'CAD' },
  startDate: '2027-01-01',
  endDate: '2027-12-31',
  signedAt: '2026-12-10',
  grantee: { name: `Organisme ${externalRef}`, contacts: [{ name: 'A', email: 'a@example.org', locale: 'fr' }] },
  requirements: [
    { kind: 'learning_note', count: 3, due: { anchor: 'end', offset: 'P90D' } },
    { kind: 'mid_term_note', count: 1, due: { date: '2027-07-15' } },
  ],
});

async function register(ref: string): Promise<{ id: string; obligations: Array<{ id: string; dueDate: string }> }> {
  const r = await h.call('POST', '/v1/agreements', agreement(ref), key);
  expect([r.status, r.body]).toEqual([201, expect.anything()]);
  return r.body;
}

const transition = (
  a: { id: string },
  o: { id: string },
  t: { to: EventData<'obligation.transitioned.v1'>['to']; at: string; dueDate: string },
): EventData<'obligation.transitioned.v1'> => ({
  obligationId: o.id,
  agreementId: a.id,
  funderId: F,
  programmeId: F,
  granteeId: F,
  kind: 'learning_note',
  dueDate: t.dueDate,
  from: null,
  to: t.to,
  reason: null,
  at: t.at,
  actor,
});

/** The statement the consumer ran for each transition before batches (the reference). */
async function oneByOne(tx: SqlTx, t: EventData<'obligation.transitioned.v1'>): Promise<void> {
  await tx.$executeRawUnsafe(
    `UPDATE obligation SET status = $2, status_at = $3::timestamptz,
            current_due_date = CASE WHEN due_date = $4::date THEN NULL ELSE $4::date END
     WHERE id = $1::uuid AND status_at <= $3::timestamptz`,
    t.obligationId,
    t.to,
    t.at,
    t.dueDate,
  );
}

const item = (data: EventData<'obligation.transitioned.v1'>): BatchItem<'obligation.transitioned.v1'> => ({
  data,
  envelope: {
    specversion: '1.0',
    id: crypto.randomUUID(),
    source: 'test',
    type: 'obligation.transitioned.v1',
    time: data.at,
    datacontenttype: 'application/json',
    data,
  },
});

beforeAll(async () => {
  h = await startHarness();
  expect((await h.call('POST', '/v1/programmes', { code: 'MOBILISATION', name: 'Mobilisation' }, key)).status).toBe(
    201,
  );
  pool = new pg.Pool({ connectionString: h.t.databaseUrl, max: 2, options: '-c search_path=agreements' });
});
afterAll(async () => {
  await pool?.end();
  await h?.stop();
});

it('a batch ends as the transitions applied one by one (duplicates, reordering, ties, unknown obligations)', async () => {
  const a = await register('BATCH-1');
  const ids = a.obligations.map((o) => o.id);
  const unknown = { id: crypto.randomUUID(), dueDate: '2028-01-01' };
  const targets = [...a.obligations, unknown];
  // A few instants, around and at the reset value, so that ties and stale events are common.
  const instants = [-60_000, 0, 1, 1000, 1000, 5000].map((d) => new Date(Date.parse(BASE) + d).toISOString());
  const arbTransition = fc
    .record({
      o: fc.constantFrom(...targets),
      to: fc.constantFrom('upcoming', 'due_soon', 'overdue', 'fulfilled', 'extended', 'waived'),
      at: fc.constantFrom(...instants),
      extended: fc.boolean(),
    })
    .map(({ o, to, at, extended }) =>
      transition(a, o, { to, at, dueDate: extended ? '2029-03-01' : (o.dueDate as string) }),
    );
  // Events, some delivered twice (a replay), cut into batches of random sizes.
  const arbRun = fc.record({
    events: fc
      .array(fc.tuple(arbTransition, fc.nat({ max: 4 })), { minLength: 1, maxLength: 40 })
      .map((xs) => xs.flatMap(([t, twice]) => (twice === 0 ? [t, t] : [t]))),
    sizes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 20 }),
  });
  const reset = () =>
    pool.query(
      `UPDATE obligation SET status = 'upcoming', status_at = $2::timestamptz, current_due_date = NULL WHERE id = ANY($1::uuid[])`,
      [ids, BASE],
    );
  const state = async () =>
    (
      await pool.query(
        `SELECT id, status, status_at, current_due_date FROM obligation WHERE id = ANY($1::uuid[]) ORDER BY id`,
        [ids],
      )
    ).rows;
  const transact = pgTransact(pool);

  await fc.assert(
    fc.asyncProperty(arbRun, async ({ events, sizes }) => {
      await reset();
      for (const e of events) await transact((tx) => oneByOne(tx, e));
      const expected = await state();

      await reset();
      let i = 0;
      for (let k = 0; i < events.length; k += 1) {
        const size = sizes[k % sizes.length]!;
        const batch = events.slice(i, i + size).map(item);
        await transact((tx) => recordObligationStatuses(batch, tx));
        i += size;
      }
      expect(await state()).toEqual(expected);
    }),
    { numRuns: 60 },
  );
});

it('one bad transition in a burst does not keep the others from being applied (the bus retries them one by one)', async () => {
  const a = await register('BATCH-2');
  const at = new Date(Date.now() + 60_000).toISOString();
  const good = a.obligations.map((o) => transition(a, o, { to: 'overdue', at, dueDate: o.dueDate }));
  // Passes the catalog (YYYY-MM-DD) but not PostgreSQL: the whole batch's statement fails.
  const bad = transition(a, a.obligations[0]!, { to: 'waived', at, dueDate: '2027-02-30' });
  await publishEvents(h.t.amqpUrl, [
    ...good.slice(0, 2).map((data) => ({ type: 'obligation.transitioned.v1' as const, data })),
    { type: 'obligation.transitioned.v1' as const, data: bad },
    ...good.slice(2).map((data) => ({ type: 'obligation.transitioned.v1' as const, data })),
  ]);
  const statuses = async () =>
    (
      await pool.query<{ status: string }>(
        'SELECT status FROM obligation WHERE agreement_id = $1::uuid AND status_at = $2::timestamptz',
        [a.id, at],
      )
    ).rows.map((r) => r.status);
  await eventually(async () => (await statuses()).length === good.length, 'every good transition applied', 60_000);
  expect(await statuses()).toEqual(good.map(() => 'overdue'));
  await waitForDeadLetters(
    h.t.amqpUrl,
    QUEUES.agreementsObligations,
    1,
    'the bad transition dead-lettered after its retries',
  );
  expect(await statuses()).toEqual(good.map(() => 'overdue'));
});
