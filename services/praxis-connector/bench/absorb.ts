/**
 * `pnpm bench absorb-connector` — how fast the connector's read model absorbs an import: 20,000
 * agreement.registered snapshots (and their programme) already waiting in `praxis-connector.agreements`,
 * applied by the real consumer until the last agreement is in its table; beside it, in the same run,
 * the rate at which a plain consumer that only acks drains the same messages, and the ratio.
 * Options (env): BENCH_AGREEMENTS (default 20000). Throwaway database and vhost.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { absorb, benchEnv, importBurst, printAbsorb, wireMessages } from '@pc/testkit';
import { startConnector } from '../src/main';
import { loadConnectorConfig } from '../src/config';
import { READ_MODEL_PREFETCH } from '../src/consumers/agreements';

const N = Number(process.env.BENCH_AGREEMENTS ?? 20_000);

async function main(): Promise<void> {
  const env = await benchEnv();
  const db = new pg.Pool({ connectionString: env.databaseUrl, max: 1 });
  try {
    const cfg = loadConnectorConfig({
      DATABASE_URL: env.databaseUrl,
      AMQP_URL: env.amqpUrl,
      LOG_LEVEL: 'warn',
      INTERNAL_SECRET: crypto.randomBytes(16).toString('hex'),
      PORT: '0',
      HOST: '127.0.0.1',
    });
    await (await startConnector(cfg)).stop(); // its queues and bindings now exist, with nobody consuming
    const burst = importBurst(N);
    const result = await absorb({
      label: 'agreement snapshots → praxis-connector.agreements',
      amqpUrl: env.amqpUrl,
      messages: wireMessages([burst.programme, ...burst.agreements]),
      prefetch: READ_MODEL_PREFETCH,
      start: () => startConnector(cfg),
      applied: async () =>
        (
          await db.query<{ n: number }>(
            'SELECT ((SELECT count(*) FROM praxis_connector.agreement) + (SELECT count(*) FROM praxis_connector.programme))::int AS n',
          )
        ).rows[0]!.n,
    });
    printAbsorb(`praxis-connector read model (${N} agreements + 1 programme)`, result);
  } finally {
    await db.end();
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
