import crypto from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { BusConnection, deadLetterQueue, pgTransact, QUEUES, type SqlTx } from '@pc/bus';
import type { EventData } from '@pc/contracts';
import { createLogger } from '@pc/service-kit';
import { eventually, freshDatabase, type TestEvent } from '@pc/testkit';
import { directoryHandlers } from '../src/consumers/directory';
import { normalizeEmail } from '../src/domain/ids';
import { closeRun } from '../src/use-cases/close-run';
import { recordReminderStages } from '../src/use-cases/record-reminder-stage';
import {
  agreement,
  agreementRegistered,
  count,
  due,
  funder,
  ids,
  programme,
  publish,
  world,
  type Contact,
  type World,
} from './support';

// The directory and the send ledger applied a batch at a time must end exactly as the events handled
// one by one, and one bad event in a burst must not keep the others from being applied.
jest.setTimeout(240_000);

const CONTACTS: Contact[] = [
  { name: 'Alex Tremblay', email: 'alex@hochelaga.example', locale: 'fr' },
  { name: 'Alex (encore)', email: ' Alex@Hochelaga.example ', locale: 'en' }, // the same address once normalized
  { name: 'Bo Nguyen', email: 'bo@hochelaga.example', locale: 'en' },
  { name: 'Sans adresse', email: 'pas-une-adresse', locale: 'fr' },
];
const contacts = fc.subarray(CONTACTS).chain((cs) => fc.shuffledSubarray(cs, { minLength: cs.length }));
const F = [funder('Fondation A'), funder('Fondation B')];
const P = [programme(F[0]!, 'SAV', 'Savoirs'), programme(F[1]!, 'CULT', 'Culture')];
const GRANTEES = [
  { id: ids('grantee:1'), name: 'Organisme 1' },
  { id: ids('grantee:2'), name: 'Organisme 2' },
];
const AGREEMENTS = ['A-1', 'A-2', 'A-3'].map((ref) => agreement(P[0]!, ref, GRANTEES[0]!, []));

type Ev = TestEvent<
  | 'funder.registered.v1'
  | 'programme.registered.v1'
  | 'agreement.registered.v1'
  | 'agreement.amended.v1'
  | 'reminder.due.v1'
  | 'reminder.run_closed.v1'
>;

/** Some events delivered twice (a replay), then cut into batches of random sizes. */
const runOf = (event: fc.Arbitrary<Ev>) =>
  fc.record({
    events: fc
      .array(fc.tuple(event, fc.nat({ max: 4 })), { minLength: 1, maxLength: 30 })
      .map((xs) => xs.flatMap(([e, twice]) => (twice === 0 ? [e, e] : [e]))),
    sizes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 10 }),
  });

/** Consecutive events of one batch handler go to it together, as the bus hands them over. */
async function handleBatch(tx: SqlTx, batch: Ev[], handle: (tx: SqlTx, run: Ev[]) => Promise<void>): Promise<void> {
  let i = 0;
  while (i < batch.length) {
    let j = i + 1;
    while (j < batch.length && sameHandler(batch[i]!, batch[j]!)) j += 1;
    await handle(tx, batch.slice(i, j));
    i = j;
  }
}
const snapshotTypes = new Set(['agreement.registered.v1', 'agreement.amended.v1']);
const sameHandler = (a: Ev, b: Ev): boolean =>
  a.type === b.type || (snapshotTypes.has(a.type) && snapshotTypes.has(b.type));

async function equivalent(
  pool: pg.Pool,
  run: { events: Ev[]; sizes: number[] },
  reset: () => Promise<void>,
  state: () => Promise<unknown>,
  oneByOne: (tx: SqlTx, e: Ev) => Promise<void>,
  handle: (tx: SqlTx, run: Ev[]) => Promise<void>,
): Promise<void> {
  const transact = pgTransact(pool);
  await reset();
  for (const e of run.events) await transact((tx) => oneByOne(tx, e));
  const expected = await state();
  await reset();
  let i = 0;
  for (let k = 0; i < run.events.length; k += 1) {
    const batch = run.events.slice(i, i + run.sizes[k % run.sizes.length]!);
    await transact((tx) => handleBatch(tx, batch, handle));
    i += batch.length;
  }
  expect(await state()).toEqual(expected);
}

describe('set-based handlers end as one by one (same database, no service running)', () => {
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: await freshDatabase(), max: 2, options: '-c search_path=notifier' });
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('the directory: funders and programmes overwritten, snapshots in revision order, contacts replaced', async () => {
    const funderEvent = fc
      .record({
        f: fc.constantFrom(...F),
        name: fc.constantFrom('Nom 1', 'Nom 2'),
        locale: fc.constantFrom('fr' as const, 'en' as const),
        recipients: fc.subarray(['Suivi@A.example', 'rapports@a.example']),
      })
      .map(({ f, name, locale, recipients }): Ev => ({
        type: 'funder.registered.v1',
        data: { ...f, name, locale, reportRecipients: recipients },
      }));
    const programmeEvent = fc
      .record({ p: fc.constantFrom(...P), name: fc.constantFrom('Nom 1', 'Nom 2') })
      .map(({ p, name }): Ev => ({ type: 'programme.registered.v1', data: { ...p, name } }));
    const snapshotEvent = fc
      .record({
        a: fc.constantFrom(...AGREEMENTS),
        revision: fc.nat({ max: 3 }),
        grantee: fc.constantFrom(...GRANTEES),
        funderId: fc.constantFrom(...F.map((f) => f.funderId)),
        contacts,
        amended: fc.boolean(),
      })
      .map(({ a, revision, grantee, funderId, contacts, amended }): Ev => {
        const data = { ...agreementRegistered({ ...a, grantee, funderId, contacts }, revision) };
        return amended
          ? { type: 'agreement.amended.v1', data: { ...data, changes: ['contacts'] } }
          : { type: 'agreement.registered.v1', data };
      });
    const event = fc.oneof(
      { arbitrary: funderEvent, weight: 1 },
      { arbitrary: programmeEvent, weight: 1 },
      { arbitrary: snapshotEvent, weight: 4 },
    );
    const reset = async () => {
      await pool.query('TRUNCATE funder, programme, directory_agreement, agreement_contact');
    };
    const state = async () => ({
      funders: (await pool.query('SELECT id, name, locale, report_recipients FROM funder ORDER BY id')).rows,
      programmes: (await pool.query('SELECT id, funder_id, code, name FROM programme ORDER BY id')).rows,
      agreements: (await pool.query('SELECT id, funder_id, grantee_id, revision FROM directory_agreement ORDER BY id'))
        .rows,
      contacts: (
        await pool.query(
          'SELECT agreement_id, email, grantee_id, funder_id, name, locale FROM agreement_contact ORDER BY agreement_id, email',
        )
      ).rows,
    });
    /** The statements the consumer ran for each event before batches (Prisma upserts then; the same in SQL). */
    const oneByOne = async (tx: SqlTx, e: Ev): Promise<void> => {
      if (e.type === 'funder.registered.v1') {
        const d = e.data;
        await tx.$executeRawUnsafe(
          `INSERT INTO funder (id, name, locale, report_recipients) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET name = $2, locale = $3, report_recipients = $4`,
          d.funderId,
          d.name,
          d.locale,
          d.reportRecipients.map(normalizeEmail),
        );
      } else if (e.type === 'programme.registered.v1') {
        const d = e.data;
        await tx.$executeRawUnsafe(
          `INSERT INTO programme (id, funder_id, code, name) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET funder_id = $2, code = $3, name = $4`,
          d.programmeId,
          d.funderId,
          d.code,
          d.name,
        );
      } else if (e.type === 'agreement.registered.v1' || e.type === 'agreement.amended.v1') {
        const d = e.data;
        const applied = await tx.$queryRawUnsafe<unknown[]>(
          `INSERT INTO directory_agreement (id, funder_id, grantee_id, revision, updated_at) VALUES ($1::uuid, $2::uuid, $3::uuid, $4, now())
           ON CONFLICT (id) DO UPDATE SET funder_id = EXCLUDED.funder_id, grantee_id = EXCLUDED.grantee_id, revision = EXCLUDED.revision, updated_at = now()
           WHERE directory_agreement.revision < EXCLUDED.revision RETURNING id`,
          d.agreementId,
          d.funderId,
          d.grantee.id,
          d.revision,
        );
        if (applied.length === 0) return;
        await tx.$executeRawUnsafe('DELETE FROM agreement_contact WHERE agreement_id = $1::uuid', d.agreementId);
        const seen = new Set<string>();
        for (const c of d.contacts) {
          const email = normalizeEmail(c.email);
          if (seen.has(email)) continue;
          seen.add(email);
          await tx.$executeRawUnsafe(
            `INSERT INTO agreement_contact (agreement_id, email, grantee_id, funder_id, name, locale) VALUES ($1, $2, $3, $4, $5, $6)`,
            d.agreementId,
            email,
            d.grantee.id,
            d.funderId,
            c.name,
            c.locale,
          );
        }
      }
    };
    const handle = async (tx: SqlTx, run: Ev[]): Promise<void> => {
      const items = run.map((e) => ({ data: e.data, envelope: { type: e.type, data: e.data } }));
      // Every event of `run` is of the type of its first (or both snapshot types, which share one handler).
      const handler = directoryHandlers[run[0]!.type as 'agreement.registered.v1'];
      await handler!(items as Parameters<NonNullable<typeof handler>>[0], tx);
    };
    await fc.assert(
      fc.asyncProperty(runOf(event), (run) => equivalent(pool, run, reset, state, oneByOne, handle)),
      { numRuns: 40 },
    );
  });

  it('the send ledger: stages of open and closed runs, stages announced again, contacts without address, runs closed between', async () => {
    const deps = {
      messageDomain: 'praxis-conformite.test',
      clock: () => new Date('2027-05-01T10:00:00.000Z'),
      directoryCaughtUp: () => Promise.resolve(true), // the directory is not what this test is about
    };
    const RUNS = [crypto.randomUUID(), crypto.randomUUID()];
    // A few (obligation, stage) pairs, each with its fixed reminder id, as the evaluation derives them.
    const STAGES = [
      { a: AGREEMENTS[0]!, seq: 1, stage: 'd-30', escalate: false },
      { a: AGREEMENTS[0]!, seq: 2, stage: 'd-30', escalate: false },
      { a: AGREEMENTS[1]!, seq: 1, stage: 'd+14', escalate: true },
      { a: AGREEMENTS[2]!, seq: 1, stage: 'd-30', escalate: false },
    ];
    const dueEvent = fc
      .record({ s: fc.constantFrom(...STAGES), runId: fc.constantFrom(...RUNS), contacts })
      .map(({ s, runId, contacts }): Ev => ({
        type: 'reminder.due.v1',
        data: due(
          { ...s.a, funderId: F[s.seq % 2]!.funderId },
          {
            seq: s.seq,
            stage: s.stage,
            escalate: s.escalate,
            dueDate: '2027-06-01',
            asOf: '2027-05-01',
            runId,
            contacts,
          },
        ),
      }));
    const closedEvent = fc
      .record({ runId: fc.constantFrom(...RUNS), reminders: fc.nat({ max: 4 }) })
      .map(({ runId, reminders }): Ev => ({
        type: 'reminder.run_closed.v1',
        data: { runId, asOf: '2027-05-01', reminders },
      }));
    const event = fc.oneof({ arbitrary: dueEvent, weight: 5 }, { arbitrary: closedEvent, weight: 1 });
    const reset = async () => {
      await pool.query('TRUNCATE run_stage, run, reminder_delivery, digest, outbox, funder');
      // Funders with report recipients, so escalation copies are part of what is compared.
      await pool.query(
        `INSERT INTO funder (id, name, locale, report_recipients) VALUES ($1, 'A', 'fr', '{suivi@a.example}'), ($2, 'B', 'en', '{suivi@b.example}')`,
        [F[0]!.funderId, F[1]!.funderId],
      );
    };
    const state = async () => ({
      stages: (await pool.query('SELECT run_id, reminder_id FROM run_stage ORDER BY run_id, reminder_id')).rows,
      runs: (
        await pool.query('SELECT run_id, expected, as_of, digested_at IS NOT NULL AS digested FROM run ORDER BY run_id')
      ).rows,
      ledger: (
        await pool.query(
          `SELECT id, reminder_id, email, run_id, contact_name, contact_locale, obligation_id, agreement_id, funder_id,
                  stage_key, escalate, reminder, state, digest_id FROM reminder_delivery ORDER BY id`,
        )
      ).rows,
      digests: (
        await pool.query(
          `SELECT id, run_id, kind, parent_id, email, funder_id, to_addrs, cc_addrs, locale, message_id, state, next_attempt_at
           FROM digest ORDER BY id`,
        )
      ).rows,
      events: (await pool.query('SELECT id, type, subject, data FROM outbox ORDER BY id')).rows,
    });
    const handleOne = (tx: SqlTx, e: Ev): Promise<unknown> =>
      e.type === 'reminder.run_closed.v1'
        ? closeRun(tx, e.data, deps)
        : recordReminderStages(tx, [e.data as EventData<'reminder.due.v1'>], deps);
    const handle = async (tx: SqlTx, run: Ev[]): Promise<void> => {
      if (run[0]!.type === 'reminder.due.v1')
        await recordReminderStages(
          tx,
          run.map((e) => e.data as EventData<'reminder.due.v1'>),
          deps,
        );
      else for (const e of run) await handleOne(tx, e);
    };
    await fc.assert(
      fc.asyncProperty(runOf(event), (run) =>
        equivalent(pool, run, reset, state, async (tx, e) => void (await handleOne(tx, e)), handle),
      ),
      { numRuns: 40 },
    );
  });
});

describe('one bad event in a burst (through the bus)', () => {
  let w: World;
  let bus: BusConnection;
  beforeAll(async () => {
    w = await world();
    bus = await BusConnection.connect(w.t.amqpUrl, createLogger('test', 'silent'));
  });
  afterAll(async () => {
    await bus?.close();
    await w?.close();
  });
  const deadLetters = async (queue: string): Promise<number> => {
    const ch = await bus.channel();
    try {
      return (await ch.checkQueue(deadLetterQueue(queue))).messageCount;
    } finally {
      await ch.close();
    }
  };
  // A NUL byte is valid JSON and passes the catalog, but PostgreSQL refuses it in text.
  const poisoned = (c: Contact): Contact => ({ ...c, name: 'Nom\u0000' });

  it('does not keep the other snapshots from the directory', async () => {
    const p = P[0]!;
    const agreements = Array.from({ length: 30 }, (_, i) =>
      agreement(p, `BAD-DIR-${i}`, GRANTEES[0]!, [{ name: `C ${i}`, email: `c${i}@example.org`, locale: 'fr' }]),
    );
    await publish(
      w.t.amqpUrl,
      agreements.map((a, i) => ({
        type: 'agreement.registered.v1' as const,
        data: agreementRegistered(i === 17 ? { ...a, contacts: a.contacts.map(poisoned) } : a),
      })),
    );
    const recorded = () =>
      count(w.db, 'SELECT count(*) AS n FROM directory_agreement WHERE id = ANY($1::uuid[])', [
        agreements.map((a) => a.id),
      ]);
    await eventually(async () => (await recorded()) === 29, 'every good snapshot in the directory', 60_000);
    await eventually(
      async () => (await deadLetters(QUEUES.notifierDirectory)) === 1,
      'the bad snapshot dead-lettered',
      60_000,
    );
    expect(await recorded()).toBe(29);
    expect(await count(w.db, 'SELECT count(*) AS n FROM directory_agreement WHERE id = $1', [agreements[17]!.id])).toBe(
      0,
    );
  });

  it('does not keep the other stages from the send ledger', async () => {
    const runId = crypto.randomUUID();
    const a = agreement(P[0]!, 'BAD-LEDGER', GRANTEES[0]!, []);
    const stages = Array.from({ length: 30 }, (_, i) =>
      due(a, {
        seq: i + 1,
        dueDate: '2027-06-01',
        asOf: '2027-05-01',
        runId,
        contacts: [i === 11 ? poisoned(CONTACTS[0]!) : CONTACTS[2]!],
      }),
    );
    await publish(
      w.t.amqpUrl,
      stages.map((data) => ({ type: 'reminder.due.v1' as const, data })),
    );
    const queued = () => count(w.db, 'SELECT count(*) AS n FROM run_stage WHERE run_id = $1', [runId]);
    await eventually(async () => (await queued()) === 29, 'every good stage in the ledger', 60_000);
    await eventually(
      async () => (await deadLetters(QUEUES.notifierReminders)) === 1,
      'the bad stage dead-lettered',
      60_000,
    );
    expect(await queued()).toBe(29);
    expect(await count(w.db, 'SELECT count(*) AS n FROM reminder_delivery WHERE run_id = $1', [runId])).toBe(29);
  });
});
