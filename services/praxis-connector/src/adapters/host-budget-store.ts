import type pg from 'pg';
import type { HostBudget } from './praxis-http';

/**
 * The Praxis host's request budget in PostgreSQL (table `host_budget`), so the rate cap holds for
 * every replica together. A claim succeeds only when `next_at` has passed, and moves it on by the
 * sending time it takes, in one statement (the row lock orders concurrent claims); the database's
 * clock is the only clock, so replicas on different machines agree. A pause pushes `next_at` to its
 * end. Plain SQL: one round trip per claim, a claim covering up to ~100 ms of requests.
 */
export function hostBudget(pool: pg.Pool, host: string): HostBudget {
  return {
    async claim(spanMs) {
      const { rows } = await pool.query<{ claimed: boolean; waitMs: number; pausedMs: number }>(
        `WITH claim AS (
           INSERT INTO host_budget AS b (host, next_at) VALUES ($1, clock_timestamp() + $2::float8 * interval '1 millisecond')
           ON CONFLICT (host) DO UPDATE SET next_at = clock_timestamp() + $2::float8 * interval '1 millisecond'
             WHERE b.next_at <= clock_timestamp()
           RETURNING 1
         )
         SELECT EXISTS (SELECT 1 FROM claim) AS claimed,
                COALESCE(EXTRACT(EPOCH FROM (b.next_at - clock_timestamp())) * 1000, 0)::float8 AS "waitMs",
                COALESCE(EXTRACT(EPOCH FROM (b.paused_until - clock_timestamp())) * 1000, 0)::float8 AS "pausedMs"
         FROM (SELECT 1) one LEFT JOIN host_budget b ON b.host = $1`,
        [host, spanMs],
      );
      const r = rows[0]!;
      if (r.claimed) return { claimed: true };
      // The row read is the one before a concurrent claim committed: a wait of 0 just asks again.
      return { claimed: false, waitMs: Math.max(1, r.waitMs), pausedMs: Math.max(0, r.pausedMs) };
    },
    async pause(ms) {
      await pool.query(
        `INSERT INTO host_budget AS b (host, next_at, paused_until)
           VALUES ($1, clock_timestamp() + $2::float8 * interval '1 millisecond', clock_timestamp() + $2::float8 * interval '1 millisecond')
         ON CONFLICT (host) DO UPDATE SET
           next_at = GREATEST(b.next_at, EXCLUDED.next_at),
           paused_until = GREATEST(b.paused_until, EXCLUDED.paused_until)`,
        [host, ms],
      );
    },
  };
}
