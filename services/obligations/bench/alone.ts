/**
 * The obligations service alone for a benchmark: its own fresh database and vhost (named by `tag`),
 * no producers whose outbox its jobs could wait for. `drop()` stops it and removes both (the
 * database is kept when BENCH_KEEP_DB is set, to look at afterwards).
 */
import { createLogger, type Logger } from '@pc/service-kit';
import { adminQuery, deleteVhost, freshVhost, PG_ADMIN_URL, TEST_INTERNAL_SECRET, withDatabase } from '@pc/testkit';
import { startObligations } from '../src/main';
import { loadObligationsConfig } from '../src/config';

export interface AloneService {
  svc: Awaited<ReturnType<typeof startObligations>>;
  databaseUrl: string;
  amqpUrl: string;
  logger: Logger;
  drop(): Promise<void>;
}

export async function obligationsAlone(
  prefix: string,
  env: NodeJS.ProcessEnv = {},
  opts?: Parameters<typeof startObligations>[2],
): Promise<AloneService> {
  const tag = `${prefix}_${Date.now().toString(36)}`;
  process.env.PC_TEST_RUN = tag; // names the vhost
  await adminQuery(`CREATE DATABASE ${tag}`);
  const databaseUrl = withDatabase(PG_ADMIN_URL, tag);
  const amqpUrl = freshVhost();
  const logger = createLogger('obligations-bench', 'warn');
  const svc = await startObligations(
    loadObligationsConfig({
      DATABASE_URL: databaseUrl,
      AMQP_URL: amqpUrl,
      PORT: '0',
      INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      LOG_LEVEL: 'warn',
      CATCH_UP_ENABLED: 'false',
      ...env,
    }),
    logger,
    opts,
  );
  return {
    svc,
    databaseUrl,
    amqpUrl,
    logger,
    async drop() {
      await svc.stop();
      deleteVhost(amqpUrl);
      if (process.env.BENCH_KEEP_DB) console.log(`kept database ${tag}`);
      else await adminQuery(`DROP DATABASE IF EXISTS ${tag} WITH (FORCE)`);
    },
  };
}
