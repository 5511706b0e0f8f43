import crypto from 'node:crypto';
import type pg from 'pg';
import { deleteVhost, eventually, freshDatabase, freshVhost, publishEvents } from '@pc/testkit';
import {
  BusConnection,
  consume,
  deadLetterQueue,
  EXCHANGE,
  listDeadLetters,
  personHandlers,
  purgeDeadLettersMentioning,
  type Consumer,
  type PgTx,
} from '../src';
import { busSchema, funderEvent, logger, pgTransact } from './fixtures/harness';

// Law 25: a message that names the person can wait in a `<queue>.dlq` long after the rows were
// erased (a poisoned event keeps the contact's email there until an operator looks). An erasure
// removes the service's own dead letters that mention the person, says how many in its answer,
// and keeps the other dead letters, in their order.
const PERSON = 'Gabrielle.DLQ@example.org';
const funders = 'tdlq.funders';
const people = 'tdlq.people';

let databaseUrl: string;
let amqpUrl: string;
let pool: pg.Pool;
let bus: BusConnection;
const consumers: Consumer[] = [];

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  amqpUrl = freshVhost();
  pool = await busSchema(databaseUrl);
  bus = await BusConnection.connect(amqpUrl, logger);
});
afterAll(async () => {
  await Promise.all(consumers.map((c) => c.stop()));
  await bus.close();
  await pool.end();
  deleteVhost(amqpUrl);
});

const deadLetters = async (): Promise<number> => (await listDeadLetters(bus, [funders]))[0]?.deadLetters ?? 0;

async function publishRaw(body: string, messageId: string): Promise<void> {
  const ch = await bus.channel();
  ch.publish(EXCHANGE, 'funder.registered.v1', Buffer.from(body), { persistent: true, messageId });
  await ch.waitForConfirms();
  await ch.close();
}

it('an erasure removes the dead letters that hold the email, keeps the others in order, and counts them', async () => {
  // a consumer whose handler refuses every funder that names a report recipient: poisoned events
  consumers.push(
    await consume<PgTx>(
      bus,
      {
        queue: funders,
        transact: pgTransact(pool),
        maxAttempts: 1,
        retryDelayMs: 50,
        on: {
          'funder.registered.v1': async (d) => {
            if (d.reportRecipients.length) throw new Error('poisoned');
            return 'done';
          },
        },
      },
      logger,
    ),
  );
  // three dead letters, one at a time so their order is known: the middle one holds the email
  await publishRaw('{not json 1', 'first');
  await eventually(async () => (await deadLetters()) === 1, 'first dead letter');
  const poisoned = funderEvent(901);
  await publishEvents(amqpUrl, [{ ...poisoned, data: { ...poisoned.data, reportRecipients: [PERSON] } }]);
  await eventually(async () => (await deadLetters()) === 2, 'poisoned event dead-lettered');
  await publishRaw('{not json 3', 'third');
  await eventually(async () => (await deadLetters()) === 3, 'third dead letter');

  // the service's people queue, as each service wires it (its own DLQs purged on an erasure)
  consumers.push(
    await consume<PgTx>(
      bus,
      {
        queue: people,
        transact: pgTransact(pool),
        on: personHandlers(
          'tdlq',
          { exportOf: async () => [], erase: async () => ({ counts: {}, names: [] }) },
          (e) => `k_${e.length}`,
          (values) => purgeDeadLettersMentioning(bus, [funders, people], values),
        ),
      },
      logger,
    ),
  );
  const requestId = crypto.randomUUID();
  await publishEvents(amqpUrl, [
    {
      type: 'person.erasure_requested.v1',
      subject: requestId,
      data: { requestId, email: PERSON, actor: { kind: 'api_key', id: 'bootstrap' } },
    },
  ]);
  const answer = await eventually(async () => {
    const { rows } = await pool.query<{ data: { counts: Record<string, number> } }>(
      `SELECT data FROM outbox WHERE type = 'person.erased.v1' AND data->>'requestId' = $1`,
      [requestId],
    );
    return rows[0]?.data;
  }, 'erasure answered');
  expect(answer.counts).toMatchObject({ deadLettersRemoved: 1 });

  // what is left in the DLQ: the two others, in their order, and nothing of the person
  const ch = await bus.channel();
  const left: string[] = [];
  for (;;) {
    const msg = await ch.get(deadLetterQueue(funders), { noAck: false });
    if (!msg) break;
    left.push(msg.content.toString('utf8'));
  }
  await ch.close(); // unacked: they go back to the DLQ
  expect(left).toEqual(['{not json 1', '{not json 3']);
  expect(left.join('\n').toLowerCase()).not.toContain(PERSON.toLowerCase());
  // The broker requeues unacked messages after the channel's close is answered: its count, read on
  // another channel, can lag a moment (it read 1 once in CI). A lost message would never come back.
  const settled = (what: string) => eventually(async () => (await deadLetters()) === 2, what, 5_000);
  await settled('both dead letters back in the DLQ');

  // a second pass finds nothing to remove and changes nothing
  expect(await purgeDeadLettersMentioning(bus, [funders], [PERSON])).toBe(0);
  await settled('both dead letters still there after the second pass');
  expect(await deadLetters()).toBe(2);
});
