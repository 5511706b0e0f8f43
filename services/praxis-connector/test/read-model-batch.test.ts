import crypto from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { pgTransact, QUEUES, type SqlTx } from '@pc/bus';
import type { EventData } from '@pc/contracts';
import { eventually, publishEvents, testEnv, type TestEnv, type TestEvent, waitForDeadLetters } from '@pc/testkit';
import { applyAgreementChange, type AgreementRecord } from '../src/domain/agreement-read-model';
import { startConnector, type RunningConnector } from '../src/main';
import { loadConnectorConfig } from '../src/config';
import { recordAgreementEvents, type AgreementEvent } from '../src/use-cases/record-agreement';
import { recordProgrammes } from '../src/use-cases/record-programme';

// The connector's read model applied a batch at a time must end exactly as the events handled one
// by one used to (revision order, terminations, programmes overwritten), and one bad event in a
// burst must not keep the others from being applied.
jest.setTimeout(180_000);
const actor = { kind: 'system' as const, id: 'test' };
const FUNDER = crypto.randomUUID();

describe('an agreement event applied to the record (the one-by-one rules)', () => {
  const fields = {
    funderId: FUNDER,
    programmeId: FUNDER,
    referenceCode: 'PX-AAAA-0001',
    externalRef: 'A-1',
    startDate: '2027-01-01',
    endDate: '2027-12-31',
  };
  const newer = { ...fields, referenceCode: 'PX-BBBB-0002', endDate: '2028-06-30' };
  const active: AgreementRecord = { ...fields, status: 'active', revision: 2 };
  const terminated: AgreementRecord = { ...fields, status: 'terminated', revision: 3 };
  it.each<[string, AgreementRecord | null, Parameters<typeof applyAgreementChange>[1], AgreementRecord | null]>([
    [
      'a first snapshot creates an active record',
      null,
      { kind: 'snapshot', revision: 1, fields },
      { ...fields, status: 'active', revision: 1 },
    ],
    ['an older snapshot changes nothing', active, { kind: 'snapshot', revision: 1, fields: newer }, active],
    [
      'a snapshot of the same revision changes nothing',
      active,
      { kind: 'snapshot', revision: 2, fields: newer },
      active,
    ],
    [
      'a newer snapshot replaces the fields',
      active,
      { kind: 'snapshot', revision: 3, fields: newer },
      { ...newer, status: 'active', revision: 3 },
    ],
    [
      'a newer snapshot of a terminated agreement keeps it terminated',
      terminated,
      { kind: 'snapshot', revision: 4, fields: newer },
      { ...newer, status: 'terminated', revision: 4 },
    ],
    ['a termination of an agreement never registered changes nothing', null, { kind: 'terminated', revision: 2 }, null],
    ['an older termination changes nothing', active, { kind: 'terminated', revision: 1 }, active],
    [
      'a termination of the same revision applies',
      active,
      { kind: 'terminated', revision: 2 },
      { ...active, status: 'terminated' },
    ],
    [
      'a newer termination applies with its revision',
      active,
      { kind: 'terminated', revision: 5 },
      { ...active, status: 'terminated', revision: 5 },
    ],
  ])('%s', (_what, record, change, expected) => {
    expect(applyAgreementChange(record, change)).toEqual(expected);
  });
});

describe('the read model consumer', () => {
  let t: TestEnv;
  let svc: RunningConnector;
  let pool: pg.Pool;
  beforeAll(async () => {
    t = await testEnv();
    svc = await startConnector(loadConnectorConfig(t.env));
    pool = new pg.Pool({ connectionString: t.databaseUrl, max: 2, options: '-c search_path=praxis_connector' });
  });
  afterAll(async () => {
    await pool?.end();
    await svc?.stop();
    t?.cleanup();
  });

  /** How the consumer handled each event before batches (Prisma then; the same statements in SQL here): the reference. */
  async function oneByOne(tx: SqlTx, e: AgreementEvent | TestEvent<'programme.registered.v1'>): Promise<void> {
    if (e.type === 'programme.registered.v1') {
      await tx.$executeRawUnsafe(
        `INSERT INTO programme (id, funder_id, code, feeds) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET funder_id = $2, code = $3, feeds = $4`,
        e.data.programmeId,
        e.data.funderId,
        e.data.code,
        e.data.praxisFeeds,
      );
      return;
    }
    const [current] = await tx.$queryRawUnsafe<Array<{ revision: number }>>(
      'SELECT revision FROM agreement WHERE id = $1::uuid',
      e.data.agreementId,
    );
    if (e.type === 'agreement.terminated.v1') {
      if (!current || current.revision > e.data.revision) return;
      await tx.$executeRawUnsafe(
        `UPDATE agreement SET status = 'terminated', revision = $2 WHERE id = $1::uuid`,
        e.data.agreementId,
        e.data.revision,
      );
      return;
    }
    const d = e.data;
    const values = [
      d.agreementId,
      d.funderId,
      d.programmeId,
      d.referenceCode,
      d.externalRef,
      d.startDate,
      d.endDate,
      d.revision,
    ];
    if (!current) {
      await tx.$executeRawUnsafe(
        `INSERT INTO agreement (id, funder_id, programme_id, reference_code, external_ref, start_date, end_date, revision, status, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', now())`,
        ...values,
      );
    } else if (current.revision < d.revision) {
      await tx.$executeRawUnsafe(
        `UPDATE agreement SET funder_id = $2, programme_id = $3, reference_code = $4, external_ref = $5, start_date = $6,
                end_date = $7, revision = $8 WHERE id = $1::uuid`,
        ...values,
      );
    }
  }

  it('a batch ends as the events handled one by one (duplicates, reordering, terminations, several revisions)', async () => {
    const agreements = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    const programmes = [crypto.randomUUID(), crypto.randomUUID()];
    const snapshot = (type: 'agreement.registered.v1' | 'agreement.amended.v1') =>
      fc
        .record({
          id: fc.constantFrom(...agreements),
          revision: fc.nat({ max: 4 }),
          ref: fc.constantFrom('PX-AAAA-0001', 'PX-BBBB-0002', 'PX-CCCC-0003'),
          end: fc.constantFrom('2027-12-31', '2028-06-30'),
        })
        .map(({ id, revision, ref, end }): AgreementEvent => {
          const data: EventData<'agreement.registered.v1'> = {
            agreementId: id,
            funderId: FUNDER,
            programmeId: programmes[0]!,
            programmeCode: 'MOB',
            externalRef: `EXT-${ref}`,
            referenceCode: ref,
            title: 'Projet',
            startDate: '2027-01-01',
            endDate: end,
            signedAt: null,
            grantee: { id: FUNDER, name: 'Organisme', neq: null },
            contacts: [],
            obligations: [],
            revision,
            actor,
          };
          return type === 'agreement.amended.v1' ? { type, data: { ...data, changes: ['endDate'] } } : { type, data };
        });
    const termination = fc
      .record({ id: fc.constantFrom(...agreements), revision: fc.nat({ max: 4 }) })
      .map(({ id, revision }): AgreementEvent => ({
        type: 'agreement.terminated.v1',
        data: { agreementId: id, funderId: FUNDER, reason: 'fin', revision, actor },
      }));
    const programme = fc
      .record({ id: fc.constantFrom(...programmes), code: fc.constantFrom('MOB', 'CULT'), feeds: fc.nat({ max: 2 }) })
      .map(({ id, code, feeds }): TestEvent<'programme.registered.v1'> => ({
        type: 'programme.registered.v1',
        data: {
          programmeId: id,
          funderId: FUNDER,
          code,
          name: code,
          sector: null,
          praxisFeeds: Array.from({ length: feeds }, (_, i) => `https://praxis.example/feeds/${code}/${i}`),
          reminderStages: [],
          actor,
        },
      }));
    const event = fc.oneof(
      { arbitrary: snapshot('agreement.registered.v1'), weight: 3 },
      { arbitrary: snapshot('agreement.amended.v1'), weight: 2 },
      { arbitrary: termination, weight: 2 },
      { arbitrary: programme, weight: 1 },
    );
    const run = fc.record({
      // some events delivered twice (a replay)
      events: fc
        .array(fc.tuple(event, fc.nat({ max: 4 })), { minLength: 1, maxLength: 30 })
        .map((xs) => xs.flatMap(([e, twice]) => (twice === 0 ? [e, e] : [e]))),
      sizes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 10 }),
    });
    const transact = pgTransact(pool);
    const reset = async () => {
      await pool.query('DELETE FROM agreement WHERE id = ANY($1::uuid[])', [agreements]);
      await pool.query('DELETE FROM programme WHERE id = ANY($1::uuid[])', [programmes]);
    };
    const state = async () => ({
      agreements: (
        await pool.query(
          `SELECT id, funder_id, programme_id, reference_code, external_ref, start_date, end_date, status, revision
           FROM agreement WHERE id = ANY($1::uuid[]) ORDER BY id`,
          [agreements],
        )
      ).rows,
      programmes: (
        await pool.query('SELECT id, funder_id, code, feeds FROM programme WHERE id = ANY($1::uuid[]) ORDER BY id', [
          programmes,
        ])
      ).rows,
    });
    /** What the consumer does with a batch: consecutive events of one handler go to it together. */
    const handleBatch = async (tx: SqlTx, batch: Array<AgreementEvent | TestEvent<'programme.registered.v1'>>) => {
      let i = 0;
      while (i < batch.length) {
        const isProgramme = batch[i]!.type === 'programme.registered.v1';
        let j = i;
        while (j < batch.length && (batch[j]!.type === 'programme.registered.v1') === isProgramme) j += 1;
        const run = batch.slice(i, j);
        if (isProgramme)
          await recordProgrammes(
            tx,
            run.map((e) => (e as TestEvent<'programme.registered.v1'>).data),
          );
        else await recordAgreementEvents(tx, run as AgreementEvent[]);
        i = j;
      }
    };

    await fc.assert(
      fc.asyncProperty(run, async ({ events, sizes }) => {
        await reset();
        for (const e of events) await transact((tx) => oneByOne(tx, e));
        const expected = await state();
        await reset();
        let i = 0;
        for (let k = 0; i < events.length; k += 1) {
          const size = sizes[k % sizes.length]!;
          const batch = events.slice(i, i + size);
          await transact((tx) => handleBatch(tx, batch));
          i += size;
        }
        expect(await state()).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('one bad event in a burst does not keep the others from being applied (the bus retries them one by one)', async () => {
    const programmeId = crypto.randomUUID();
    const snapshots = Array.from({ length: 30 }, (_, i): TestEvent<'agreement.registered.v1'> => {
      const agreementId = crypto.randomUUID();
      return {
        type: 'agreement.registered.v1',
        data: {
          agreementId,
          funderId: FUNDER,
          programmeId,
          programmeCode: 'MOB',
          // a NUL byte is valid JSON and passes the catalog, but PostgreSQL refuses it in text
          externalRef: i === 13 ? 'EXT-\u0000-13' : `EXT-${i}`,
          referenceCode: `PX-BAD${String(i).padStart(2, '0')}`,
          title: 'Projet',
          startDate: '2027-01-01',
          endDate: '2027-12-31',
          signedAt: null,
          grantee: { id: FUNDER, name: 'Organisme', neq: null },
          contacts: [],
          obligations: [],
          revision: 1,
          actor,
        },
      };
    });
    await publishEvents(t.amqpUrl, snapshots);
    const recorded = async () =>
      Number(
        (await pool.query<{ n: string }>('SELECT count(*) AS n FROM agreement WHERE programme_id = $1', [programmeId]))
          .rows[0]!.n,
      );
    await eventually(async () => (await recorded()) === 29, 'every good snapshot recorded', 60_000);
    await waitForDeadLetters(
      t.amqpUrl,
      QUEUES.connectorAgreements,
      1,
      'the bad snapshot dead-lettered after its retries',
    );
    expect(await recorded()).toBe(29);
  });
});
