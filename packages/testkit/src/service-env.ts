import { signPrincipal, type Principal } from '@pc/service-kit';
import { deleteVhost, freshDatabase, freshVhost } from './infra';

export const TEST_INTERNAL_SECRET = 'test-internal-secret-0123456789';
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestEnv {
  env: NodeJS.ProcessEnv;
  databaseUrl: string;
  amqpUrl: string;
  /** Drops the vhost (databases are dropped by globalTeardown). */
  cleanup(): void;
}

/**
 * A fresh database (cloned from the migrated template) and a fresh vhost for one test file, as the
 * environment a service's `load…Config` parses. Services listen on port 0 (any free port).
 */
export async function testEnv(extra: NodeJS.ProcessEnv = {}): Promise<TestEnv> {
  const databaseUrl = await freshDatabase();
  const amqpUrl = freshVhost();
  return {
    databaseUrl,
    amqpUrl,
    env: {
      DATABASE_URL: databaseUrl,
      AMQP_URL: amqpUrl,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      VALIDATE_RESPONSES: 'true',
      PORT: '0',
      HOST: '127.0.0.1',
      // One service under test runs without the services that produce its events (a test plays
      // them on the bus): its jobs have no producer to wait for. Tests of waiting turn it on.
      CATCH_UP_ENABLED: 'false',
      CATCH_UP_POLL_MS: '100',
      ...extra,
    },
    cleanup: () => deleteVhost(amqpUrl),
  };
}

/** Headers that make a direct call to an internal service act as `p` (what the edge would sign). */
export function asPrincipal(p: Partial<Principal> & Pick<Principal, 'role'>): Record<string, string> {
  const full: Principal = {
    keyId: p.keyId ?? '00000000-0000-4000-8000-000000000001',
    role: p.role,
    funderId: p.funderId ?? null,
    funderIds: p.funderIds ?? (p.funderId ? [p.funderId] : []),
    granteeId: p.granteeId ?? null,
  };
  return { 'x-pc-principal': signPrincipal(full, TEST_INTERNAL_SECRET) };
}
