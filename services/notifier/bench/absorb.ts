/**
 * `pnpm bench absorb-notifier` — how fast the notifier absorbs what an import and the evaluation
 * right after it send: (1) 20,000 agreement.registered snapshots (with their funder and programme)
 * waiting in `notifier.directory`, applied until the last agreement is in the directory; (2) 40,000
 * reminder.due (one per obligation of those agreements, one run that is not closed yet) waiting in
 * `notifier.reminders`, applied until the run holds every stage. Beside each, in the same run, the
 * rate at which a plain consumer that only acks drains the same messages, and the ratio. No digest
 * is built or sent (the run is not closed): that is `pnpm bench notify`.
 * Options (env): BENCH_AGREEMENTS (default 20000). Throwaway database, vhost and SMTP sink.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import type { EventData } from '@pc/contracts';
import { absorb, benchEnv, importBurst, printAbsorb, startSmtpSink, wireMessages, type TestEvent } from '@pc/testkit';
import { startNotifier } from '../src/main';
import { loadNotifierConfig } from '../src/config';
import { DIRECTORY_PREFETCH } from '../src/consumers/directory';
import { REMINDERS_PREFETCH } from '../src/consumers/reminders';

const N = Number(process.env.BENCH_AGREEMENTS ?? 20_000);

/** One reminder.due per obligation of the snapshots, stage d-30, all in one run. */
function stagesOf(
  snapshots: Array<TestEvent<'agreement.registered.v1'>>,
  runId: string,
): Array<TestEvent<'reminder.due.v1'>> {
  return snapshots.flatMap(({ data: a }) =>
    a.obligations.map((o): TestEvent<'reminder.due.v1'> => {
      const data: EventData<'reminder.due.v1'> = {
        reminderId: crypto.randomUUID(),
        runId,
        asOf: '2029-01-01',
        stage: { key: 'd-30', offsetDays: -30, escalate: false },
        skippedStages: [],
        obligation: { id: o.id, kind: o.kind, sequence: o.sequence, dueDate: o.dueDate, status: 'due_soon' },
        agreement: {
          id: a.agreementId,
          funderId: a.funderId,
          programmeId: a.programmeId,
          programmeCode: a.programmeCode,
          title: a.title,
          externalRef: a.externalRef,
          referenceCode: a.referenceCode,
        },
        grantee: { id: a.grantee.id, name: a.grantee.name },
        contacts: a.contacts,
      };
      return { type: 'reminder.due.v1', subject: o.id, data };
    }),
  );
}

async function main(): Promise<void> {
  const env = await benchEnv();
  const sink = await startSmtpSink();
  const db = new pg.Pool({ connectionString: env.databaseUrl, max: 1 });
  const count = async (sql: string): Promise<number> => (await db.query<{ n: number }>(sql)).rows[0]!.n;
  try {
    const cfg = loadNotifierConfig({
      DATABASE_URL: env.databaseUrl,
      AMQP_URL: env.amqpUrl,
      LOG_LEVEL: 'warn',
      INTERNAL_SECRET: crypto.randomBytes(16).toString('hex'),
      SMTP_URL: sink.url,
      PORT: '0',
      HOST: '127.0.0.1',
    });
    await (await startNotifier(cfg)).stop(); // its queues and bindings now exist, with nobody consuming
    const burst = importBurst(N);
    const directory = await absorb({
      label: 'agreement snapshots → notifier.directory',
      amqpUrl: env.amqpUrl,
      messages: wireMessages([burst.funder, burst.programme, ...burst.agreements]),
      prefetch: DIRECTORY_PREFETCH,
      start: () => startNotifier(cfg),
      applied: () =>
        count(
          `SELECT ((SELECT count(*) FROM notifier.funder) + (SELECT count(*) FROM notifier.programme)
                 + (SELECT count(*) FROM notifier.directory_agreement))::int AS n`,
        ),
    });
    printAbsorb(`notifier directory (${N} agreements + funder + programme)`, directory);

    const runId = crypto.randomUUID();
    const stages = stagesOf(burst.agreements, runId);
    const reminders = await absorb({
      label: 'reminder.due → notifier.reminders',
      amqpUrl: env.amqpUrl,
      messages: wireMessages(stages),
      prefetch: REMINDERS_PREFETCH,
      start: () => startNotifier(cfg),
      applied: () => count(`SELECT count(*)::int AS n FROM notifier.run_stage WHERE run_id = '${runId}'`),
    });
    const ledger = await count('SELECT count(*)::int AS n FROM notifier.reminder_delivery');
    printAbsorb(`notifier reminders (${stages.length} stages of one run, ${ledger} ledger rows)`, reminders);
  } finally {
    await db.end();
    await sink.close();
    await env.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
