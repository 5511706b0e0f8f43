import crypto from 'node:crypto';
import pg from 'pg';
import { BusConnection, deadLetterQueue, QUEUES } from '@pc/bus';
import { createLogger } from '@pc/service-kit';
import { eventually, publishEvent, publishEvents, testEnv, waitForDeadLetters, type TestEnv } from '@pc/testkit';
import { startConnector, type RunningConnector } from '../src/main';
import { loadConnectorConfig } from '../src/config';

/*
 * Law 25 in the praxis-connector, on the real database and broker: its tables never hold a contact,
 * but an agreement snapshot it could not apply waits in its dead letters with the contacts' emails
 * and names. An erasure removes that dead letter (and only that one) and says so in its answer; an
 * export answers with the service present and nothing of the person in its tables.
 */

jest.setTimeout(120_000);
const PERSON = { name: 'Gabrielle Connecteur', email: 'gabrielle.connector@example.org' };
const OTHER = { name: 'Romain Connecteur', email: 'romain.connector@example.org' };
const FUNDER = crypto.randomUUID();

let t: TestEnv;
let svc: RunningConnector;
let pool: pg.Pool;

beforeAll(async () => {
  t = await testEnv();
  svc = await startConnector(loadConnectorConfig(t.env), createLogger('connector-test', 'silent'));
  pool = new pg.Pool({ connectionString: t.databaseUrl, max: 2, options: '-c search_path=praxis_connector' });
});
afterAll(async () => {
  await pool?.end();
  await svc?.stop();
  t?.cleanup();
});

/** An agreement snapshot naming `contact` that PostgreSQL refuses (a NUL byte in text): it ends in the DLQ. */
const poisoned = (contact: { name: string; email: string }, n: number) => ({
  type: 'agreement.registered.v1' as const,
  data: {
    agreementId: crypto.randomUUID(),
    funderId: FUNDER,
    programmeId: FUNDER,
    programmeCode: 'LAW',
    externalRef: `EXT-\u0000-${n}`,
    referenceCode: `PX-LAW${n}`,
    title: 'Projet',
    startDate: '2027-01-01',
    endDate: '2027-12-31',
    signedAt: null,
    grantee: { id: FUNDER, name: 'Organisme', neq: null },
    contacts: [{ ...contact, locale: 'fr' as const }],
    obligations: [],
    revision: 1,
    actor: { kind: 'system' as const, id: 'test' },
  },
});

async function answer(type: string, requestId: string): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const { rows } = await pool.query<{ data: Record<string, unknown> }>(
      `SELECT data FROM outbox WHERE type = $1 AND data->>'requestId' = $2`,
      [type, requestId],
    );
    return rows[0]?.data;
  }, `${type} for ${requestId}`);
}

async function deadLetterTexts(): Promise<string[]> {
  const bus = await BusConnection.connect(t.amqpUrl, createLogger('test', 'silent'));
  try {
    const ch = await bus.channel();
    const out: string[] = [];
    for (;;) {
      const msg = await ch.get(deadLetterQueue(QUEUES.connectorAgreements), { noAck: false });
      if (!msg) break;
      out.push(msg.content.toString('utf8'));
    }
    await ch.close(); // unacked: they go back to the DLQ
    return out;
  } finally {
    await bus.close();
  }
}

it('an erasure removes the dead letter naming the person, keeps the other, and counts it', async () => {
  await publishEvents(t.amqpUrl, [poisoned(PERSON, 1)]);
  await waitForDeadLetters(t.amqpUrl, QUEUES.connectorAgreements, 1, 'the person’s snapshot dead-lettered');
  await publishEvents(t.amqpUrl, [poisoned(OTHER, 2)]);
  await waitForDeadLetters(t.amqpUrl, QUEUES.connectorAgreements, 2, 'the other snapshot dead-lettered');
  expect((await deadLetterTexts()).filter((m) => m.includes(PERSON.email))).toHaveLength(1);

  // the export: the service answers, and its tables hold nothing of the person
  const exportId = crypto.randomUUID();
  await publishEvent(t.amqpUrl, 'person.export_requested.v1', {
    requestId: exportId,
    email: PERSON.email,
    actor: { kind: 'api_key', id: 'bootstrap' },
  });
  const exported = (await answer('person.data_exported.v1', exportId)) as {
    service: string;
    parts: Array<{ kind: string; rows: unknown[] }>;
  };
  expect(exported.service).toBe('praxis-connector');
  expect(exported.parts.map((p) => [p.kind, p.rows.length])).toEqual([['outbox_event', 0]]);

  const requestId = crypto.randomUUID();
  const id = await publishEvent(t.amqpUrl, 'person.erasure_requested.v1', {
    requestId,
    email: PERSON.email.toUpperCase(),
    actor: { kind: 'api_key', id: 'bootstrap' },
  });
  expect(await answer('person.erased.v1', requestId)).toMatchObject({
    service: 'praxis-connector',
    counts: { deadLettersRemoved: 1, outboxDeleted: 0, outboxRewritten: 0 },
  });
  const left = await deadLetterTexts();
  expect(left).toHaveLength(1);
  expect(left[0]).toContain(OTHER.email);
  expect(left.join('\n')).not.toContain(PERSON.email);
  expect(left.join('\n')).not.toContain(PERSON.name);

  // the same message again (a broker redelivery): no second answer, the other dead letter stays
  await publishEvent(
    t.amqpUrl,
    'person.erasure_requested.v1',
    { requestId, email: PERSON.email, actor: { kind: 'api_key', id: 'bootstrap' } },
    { id },
  );
  const fence = crypto.randomUUID();
  await publishEvent(t.amqpUrl, 'person.export_requested.v1', {
    requestId: fence,
    email: 'nobody.connector@example.org',
    actor: { kind: 'api_key', id: 'bootstrap' },
  });
  await answer('person.data_exported.v1', fence); // handled after it: one queue, in order
  const { rows } = await pool.query(`SELECT 1 FROM outbox WHERE type = 'person.erased.v1'`);
  expect(rows).toHaveLength(1);
  expect(await deadLetterTexts()).toHaveLength(1);
});
