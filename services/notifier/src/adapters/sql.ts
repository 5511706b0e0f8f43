import type pg from 'pg';
import type { SqlTx } from '../consumers/reminders';

/** Runs `fn` in a transaction on a pooled pg client, seen through the same raw-SQL surface as Prisma's. */
export async function inPgTransaction<T>(pool: pg.Pool, fn: (tx: SqlTx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const tx: SqlTx = {
    $queryRawUnsafe: async <R>(q: string, ...v: unknown[]) => (await client.query(q, v)).rows as R,
    $executeRawUnsafe: async (q, ...v) => (await client.query(q, v)).rowCount ?? 0,
  };
  try {
    await client.query('BEGIN');
    const result = await fn(tx);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
