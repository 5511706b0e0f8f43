import crypto from 'node:crypto';
import amqp from 'amqplib';
import type pg from 'pg';
import { eventCatalog } from '@pc/contracts';
import { deleteVhost, eventually, freshDatabase, freshVhost, publishEvents } from '@pc/testkit';
import {
  assertConsumerTopology,
  BusConnection,
  consume,
  EXCHANGE,
  permissionsFor,
  provisionBrokerUsers,
  provisionBrokerUsersHttp,
  brokerUser,
  newBrokerPassword,
  queueExchange,
  QUEUES,
  removeBrokerUsers,
  unpublishedTypes,
  type Consumer,
  type PgTx,
} from '../src';
import { busSchema, count, funderEvent, logger, pgTransact, recordEffect } from './fixtures/harness';

// Each service talks to the broker as its own user: its own queues, the events exchange, and only
// the routing keys (event types) it publishes. Shown on the real broker with the users `pnpm start` makes.
const services = ['agreements', 'obligations', 'notifier'];
const prefix = `t${crypto.randomBytes(4).toString('hex')}`;
let amqpUrl: string;
let urls: Record<string, string>;

beforeAll(() => {
  amqpUrl = freshVhost();
  urls = provisionBrokerUsers(amqpUrl, services, prefix);
});
afterAll(() => {
  removeBrokerUsers(services, prefix);
  deleteVhost(amqpUrl);
});

/** Runs `fn` on a fresh confirm channel of `url`; resolves with the broker's refusal, if any. */
async function attempt(url: string, fn: (ch: amqp.ConfirmChannel) => Promise<unknown>): Promise<string | null> {
  const conn = await amqp.connect(url);
  const closed = new Promise<string>((resolve) => conn.on('error', (e: Error) => resolve(e.message)));
  const ch = await conn.createConfirmChannel();
  const refused = new Promise<string>((resolve) => ch.on('error', (e: Error) => resolve(e.message)));
  try {
    const outcome = await Promise.race([
      fn(ch).then(
        () => null,
        (e: Error) => e.message,
      ),
      refused,
      closed,
    ]);
    if (outcome !== null) return outcome;
    // A refused publish closes the channel asynchronously: give it a round trip to say so.
    return await Promise.race([ch.checkExchange(EXCHANGE).then(() => null), refused]);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

const publish = (ch: amqp.ConfirmChannel, type: string) =>
  new Promise<void>((resolve, reject) =>
    ch.publish(EXCHANGE, type, Buffer.from('{}'), { persistent: true }, (err) => (err ? reject(err) : resolve())),
  );

it('makes passwords that rabbitmqctl cannot read as an option (none starts with "-")', () => {
  // one in 64 base64url passwords did: 2,000 draws would all but surely include one
  const drawn = Array.from({ length: 2000 }, () => newBrokerPassword());
  expect(drawn.filter((p) => p.startsWith('-'))).toEqual([]);
  expect(new Set(drawn).size).toBe(2000);
  expect(drawn[0]).toMatch(/^[0-9a-f]{48}$/);
});

it('gives every event type of the catalog a publisher', () => {
  expect(unpublishedTypes(Object.keys(eventCatalog))).toEqual([]);
  expect(permissionsFor('obligations').topicWrite).toContain('obligation\\.transitioned\\.v1');
  expect(permissionsFor('unknown-service').topicWrite).toBe('^$');
  // the web service answers Law 25 requests (web.people) and publishes nothing else
  expect(permissionsFor('web').topicWrite).toBe('^(person\\.data_exported\\.v1|person\\.erased\\.v1)$');
});

it("lets a service declare and read its own queues and publish its own events, and nothing of another service's", async () => {
  const opts = { maxAttempts: 3, retryDelayMs: 100 };
  expect(
    await attempt(urls.obligations!, (ch) =>
      assertConsumerTopology(ch, QUEUES.obligationsAgreements, ['agreement.registered.v1'], opts),
    ),
  ).toBeNull();
  expect(await attempt(urls.obligations!, (ch) => publish(ch, 'obligation.transitioned.v1'))).toBeNull();

  // Another service's event type: refused at the exchange (topic permission on the routing key).
  expect(await attempt(urls.obligations!, (ch) => publish(ch, 'agreement.registered.v1'))).toMatch(/ACCESS_REFUSED/);
  // Another service's queue: cannot be declared, bound or read.
  expect(
    await attempt(urls.obligations!, (ch) =>
      assertConsumerTopology(ch, QUEUES.notifierReminders, ['reminder.due.v1'], opts),
    ),
  ).toMatch(/ACCESS_REFUSED/);
  expect(await attempt(urls.notifier!, (ch) => assertConsumerTopology(ch, QUEUES.notifierReminders, [], opts))).toBe(
    null,
  );
  expect(await attempt(urls.obligations!, (ch) => ch.consume(QUEUES.notifierReminders, () => undefined))).toMatch(
    /ACCESS_REFUSED/,
  );
  // The guest password of an earlier start does not work for a service user.
  const stale = new URL(urls.obligations!);
  stale.password = 'guest';
  await expect(amqp.connect(stale.toString())).rejects.toThrow(/ACCESS_REFUSED|403/);
});

it('refuses a service user the default exchange: it cannot drop a message into a queue by name, not even its own', async () => {
  const opts = { maxAttempts: 3, retryDelayMs: 100 };
  // both queues exist (declared by their own services)
  expect(
    await attempt(urls.notifier!, (ch) => assertConsumerTopology(ch, QUEUES.notifierReminders, [], opts)),
  ).toBeNull();
  expect(
    await attempt(urls.obligations!, (ch) => assertConsumerTopology(ch, QUEUES.obligationsAgreements, [], opts)),
  ).toBeNull();
  const toQueue = (ch: amqp.ConfirmChannel, q: string) =>
    new Promise<void>((resolve, reject) =>
      ch.sendToQueue(q, Buffer.from('{}'), { persistent: true }, (err) => (err ? reject(err) : resolve())),
    );
  for (const q of [QUEUES.notifierReminders, QUEUES.obligationsAgreements, `${QUEUES.obligationsAgreements}.dlq`])
    expect(await attempt(urls.obligations!, (ch) => toQueue(ch, q))).toMatch(/ACCESS_REFUSED.*amq\.default/);
  // another service's own exchange is refused too; its own is where its retries go
  const toExchange = (ch: amqp.ConfirmChannel, ex: string, key: string) =>
    new Promise<void>((resolve, reject) =>
      ch.publish(ex, key, Buffer.from('{}'), { persistent: true }, (err) => (err ? reject(err) : resolve())),
    );
  expect(
    await attempt(urls.obligations!, (ch) =>
      toExchange(ch, queueExchange(QUEUES.notifierReminders), QUEUES.notifierReminders),
    ),
  ).toMatch(/ACCESS_REFUSED/);
  expect(
    await attempt(urls.obligations!, (ch) =>
      toExchange(ch, queueExchange(QUEUES.obligationsAgreements), `${QUEUES.obligationsAgreements}.retry`),
    ),
  ).toBeNull();
  expect(permissionsFor('obligations').write).not.toMatch(/default/);
});

it('makes the same users and permissions through the management API (docker-compose: a broker in another container)', async () => {
  // No management plugin on this machine's broker: a stand-in HTTP server records what RabbitMQ's
  // management API would be asked (the users and permissions are what rabbitmqctl is given above).
  const http = await import('node:http');
  const calls: Array<{ method: string; url: string; auth: string; body: Record<string, unknown> }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls.push({ method: req.method!, url: req.url!, auth: req.headers.authorization ?? '', body: JSON.parse(body) });
      res.statusCode = 201;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const { port } = server.address() as import('node:net').AddressInfo;
    const got = await provisionBrokerUsersHttp(
      `http://pc-admin:s3cr%40t@127.0.0.1:${port}`,
      'amqp://rabbitmq:5672/%2F',
      ['obligations', 'notifier'],
    );
    expect(calls.every((c) => c.method === 'PUT')).toBe(true);
    expect(new Set(calls.map((c) => c.auth))).toEqual(
      new Set([`Basic ${Buffer.from('pc-admin:s3cr@t').toString('base64')}`]),
    );
    for (const service of ['obligations', 'notifier']) {
      const user = brokerUser(service);
      const p = permissionsFor(service);
      const url = new URL(got[service]!);
      expect(decodeURIComponent(url.username)).toBe(user);
      expect(calls).toContainEqual(
        expect.objectContaining({
          url: `/api/users/${user}`,
          body: { password: decodeURIComponent(url.password), tags: '' },
        }),
      );
      expect(calls).toContainEqual(
        expect.objectContaining({
          url: `/api/permissions/%2F/${user}`,
          body: { configure: p.configure, write: p.write, read: p.read },
        }),
      );
      expect(calls).toContainEqual(
        expect.objectContaining({
          url: `/api/topic-permissions/%2F/${user}`,
          body: { exchange: EXCHANGE, write: p.topicWrite, read: '.*' },
        }),
      );
    }
    expect(got.obligations).not.toBe(got.notifier);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

describe('a consumer running as its service user', () => {
  let databaseUrl: string;
  let pool: pg.Pool;
  let bus: BusConnection;
  let consumer: Consumer | undefined;
  beforeAll(async () => {
    databaseUrl = await freshDatabase();
    pool = await busSchema(databaseUrl);
    bus = await BusConnection.connect(urls.agreements!, logger);
  });
  afterAll(async () => {
    await consumer?.stop();
    await bus.close();
    await pool.end();
  });

  it('retries a failing handler and then takes the event, with only its own permissions', async () => {
    let failures = 0;
    consumer = await consume<PgTx>(
      bus,
      {
        queue: QUEUES.agreementsFunders,
        transact: pgTransact(pool),
        retryDelayMs: 100,
        on: {
          'funder.registered.v1': async (d, tx) => {
            if (failures++ < 2) throw new Error('not yet');
            await recordEffect(tx, d.funderId, 'restricted', 'taken');
            return 'done';
          },
        },
      },
      logger,
    );
    // The event comes from the edge's publisher (a guest connection stands in for it here).
    await publishEvents(amqpUrl, [funderEvent(1)]);
    await eventually(
      async () => (await count(pool, "SELECT count(*) n FROM effect WHERE consumer = 'restricted'")) === 1,
      'handled after two retries',
      30_000,
    );
    expect(failures).toBe(3);
  });
});
