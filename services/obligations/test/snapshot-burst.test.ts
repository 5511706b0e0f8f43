/**
 * A burst of snapshots through the real broker: it waits in the queue while the service is down,
 * then arrives in batches. One bad snapshot in the burst (its obligation id belongs to another
 * agreement, so its insert fails) makes its batch fail; the bus then handles that batch one message
 * at a time, so every other agreement is stored once and the bad one alone ends in the DLQ.
 */
import pg from 'pg';
import { BusConnection, deadLetterQueue, listDeadLetters, QUEUES } from '@pc/bus';
import { createLogger } from '@pc/service-kit';
import { eventPublisher, eventually, testEnv, type TestEnv } from '@pc/testkit';
import { startObligations, type RunningService } from '../src/main';
import { loadObligationsConfig } from '../src/config';
import { fixedClock } from '../src/adapters/clock';
import { fixture, obligationsOf, programme, snapshot, uuid } from './helpers';

jest.setTimeout(180_000);

const N = 300;
const BAD = 150;
const logger = createLogger('obligations-test', process.env.TEST_LOG_LEVEL ?? 'silent');

describe('a burst of snapshots with one bad event', () => {
  let t: TestEnv;
  let svc: RunningService | null = null;
  let db: pg.Client;
  let bus: BusConnection;

  beforeAll(async () => {
    t = await testEnv();
    db = new pg.Client({ connectionString: t.databaseUrl, options: '-c search_path=obligations' });
    await db.connect();
    bus = await BusConnection.connect(t.amqpUrl, logger);
  });
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
    await db?.end();
    t?.cleanup();
  });

  it('stores every good agreement once, and dead-letters the bad one alone', async () => {
    const start = () => startObligations(loadObligationsConfig(t.env), logger, { clock: fixedClock('2027-06-01') });
    svc = await start(); // declares the queue and its bindings
    await svc.stop();
    svc = null;

    const f = fixture();
    const snapshots = Array.from({ length: N }, () =>
      snapshot(f, { obligations: obligationsOf(uuid(), 2, '2027-12-31') }),
    );
    // The bad one reuses an obligation id of an agreement delivered before it.
    const bad = snapshots[BAD]!;
    bad.obligations[1] = { ...bad.obligations[1]!, id: snapshots[10]!.obligations[0]!.id };
    const publisher = await eventPublisher(t.amqpUrl);
    const [, ...ids] = await publisher.publish([
      { type: 'programme.registered.v1', data: programme(f) },
      ...snapshots.map((data) => ({ type: 'agreement.registered.v1' as const, data })),
    ]);
    await publisher.close();

    svc = await start();
    const count = async (sql: string, params: unknown[] = []): Promise<number> =>
      Number((await db.query(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0].n);
    await eventually(async () => (await count('agreement')) === N - 1, `${N - 1} agreements stored`, 120_000);
    await eventually(
      async () => (await listDeadLetters(bus, [QUEUES.obligationsAgreements]))[0]?.deadLetters === 1,
      'the bad snapshot dead-lettered',
      120_000,
    );

    expect(await count('agreement WHERE id = $1', [bad.agreementId])).toBe(0);
    expect(await count('obligation')).toBe(2 * (N - 1));
    expect(await count('transition')).toBe(2 * (N - 1));
    expect(await count(`outbox WHERE type = 'obligation.transitioned.v1'`)).toBe(2 * (N - 1));
    // Each good snapshot handled once; the bad one never took effect.
    expect(await count('inbox WHERE consumer = $1', [QUEUES.obligationsAgreements])).toBe(N);
    expect(await count('inbox WHERE message_id = $1', [ids[BAD]])).toBe(0);
    const ch = await bus.channel();
    const dead = await ch.get(deadLetterQueue(QUEUES.obligationsAgreements), { noAck: true });
    await ch.close();
    expect(dead && JSON.parse(dead.content.toString('utf8'))).toMatchObject({
      id: ids[BAD],
      data: { agreementId: bad.agreementId },
    });
    // The agreement whose obligation id the bad one took is intact.
    const owner = await db.query('SELECT agreement_id FROM obligation WHERE id = $1', [
      snapshots[10]!.obligations[0]!.id,
    ]);
    expect(owner.rows).toEqual([{ agreement_id: snapshots[10]!.agreementId }]);
  });
});
