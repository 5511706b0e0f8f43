import type pg from 'pg';
import type { SqlTx } from '@pc/bus';

/**
 * The polling state of each feed URL (table `feed_state`): validators for conditional GET, the
 * per-item cursor `{key: [fingerprint, firstSeenEpochSeconds]}`, and the last outcome. Plain SQL:
 * `INSERT … ON CONFLICT` upserts one feed by its URL in the run's transaction.
 */
export type FeedCursor = Record<string, [string, number]>;
export interface FeedStateRow {
  url: string;
  etag: string | null;
  lastModified: string | null;
  items: FeedCursor;
}

/** Validators only: most polls answer 304 and never need the item cursor. */
export async function feedValidators(
  pool: pg.Pool,
  url: string,
): Promise<{ etag: string | null; lastModified: string | null }> {
  const { rows } = await pool.query<{ etag: string | null; lastModified: string | null }>(
    'SELECT etag, last_modified AS "lastModified" FROM feed_state WHERE url = $1',
    [url],
  );
  return rows[0] ?? { etag: null, lastModified: null };
}

export async function feedState(pool: pg.Pool, url: string): Promise<FeedStateRow> {
  const { rows } = await pool.query<FeedStateRow>(
    'SELECT url, etag, last_modified AS "lastModified", items FROM feed_state WHERE url = $1',
    [url],
  );
  return rows[0] ?? { url, etag: null, lastModified: null, items: {} };
}

/** Saves a poll's validators and cursor, in the transaction that stores what the poll found. */
export async function saveFeedState(tx: SqlTx, s: FeedStateRow, outcome: string, error: string | null): Promise<void> {
  await tx.$executeRawUnsafe(
    `INSERT INTO feed_state (url, etag, last_modified, items, last_polled_at, last_outcome, last_error) VALUES ($1, $2, $3, $4, now(), $5, $6)
     ON CONFLICT (url) DO UPDATE SET etag = $2, last_modified = $3, items = $4, last_polled_at = now(), last_outcome = $5, last_error = $6`,
    s.url,
    s.etag,
    s.lastModified,
    JSON.stringify(s.items),
    outcome,
    error,
  );
}

/** Records a poll that found nothing to store (refused, unavailable, malformed): validators and cursor stay. */
export async function touchFeed(pool: pg.Pool, url: string, outcome: string, error: string | null): Promise<void> {
  await pool.query(
    `INSERT INTO feed_state (url, last_polled_at, last_outcome, last_error) VALUES ($1, now(), $2, $3)
     ON CONFLICT (url) DO UPDATE SET last_polled_at = now(), last_outcome = $2, last_error = $3`,
    [url, outcome, error],
  );
}
