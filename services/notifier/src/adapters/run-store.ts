import type { SqlTx } from '@pc/bus';

/*
 * Evaluation runs as the notifier sees them: `run_stage` (which stages a run announced) and `run`
 * (its close: how many stages it announced, and when its digests were built). Plain SQL in the
 * caller's pg transaction: row locks, and thousands of stages per run.
 */

/** Locks the run's row (run, then ledger rows: the order every writer takes); null while the run is not closed. */
export async function lockRun(tx: SqlTx, runId: string): Promise<{ expected: number } | null> {
  const [run] = await tx.$queryRawUnsafe<{ expected: number }[]>(
    'SELECT expected FROM run WHERE run_id = $1::uuid FOR UPDATE',
    runId,
  );
  return run ?? null;
}

/** Of these runs, the closed ones, their rows locked in id order (so two writers never wait on each other in a cycle). */
export async function lockClosedRuns(tx: SqlTx, runIds: string[]): Promise<Set<string>> {
  const rows = await tx.$queryRawUnsafe<Array<{ run_id: string }>>(
    'SELECT run_id FROM run WHERE run_id = ANY($1::uuid[]) ORDER BY run_id FOR UPDATE',
    runIds,
  );
  return new Set(rows.map((r) => r.run_id));
}

export async function addRunStages(
  tx: SqlTx,
  stages: ReadonlyArray<{ runId: string; reminderId: string }>,
): Promise<void> {
  if (stages.length === 0) return;
  await tx.$executeRawUnsafe(
    `INSERT INTO run_stage (run_id, reminder_id) SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING`,
    stages.map((s) => s.runId),
    stages.map((s) => s.reminderId),
  );
}

/** Records a run's close once (a redelivered run_closed changes nothing). */
export async function recordRunClose(tx: SqlTx, runId: string, expected: number, asOf: string): Promise<void> {
  await tx.$executeRawUnsafe(
    'INSERT INTO run (run_id, expected, as_of) VALUES ($1::uuid, $2, $3) ON CONFLICT DO NOTHING',
    runId,
    expected,
    asOf,
  );
}

export async function countRunStages(tx: SqlTx, runId: string): Promise<number> {
  const [count] = await tx.$queryRawUnsafe<{ n: number }[]>(
    'SELECT count(*)::int AS n FROM run_stage WHERE run_id = $1::uuid',
    runId,
  );
  return count?.n ?? 0;
}

export async function markRunDigested(tx: SqlTx, runId: string): Promise<void> {
  await tx.$executeRawUnsafe(
    'UPDATE run SET digested_at = now() WHERE run_id = $1::uuid AND digested_at IS NULL',
    runId,
  );
}

/** Closed runs whose stages are all here but whose digests are not built (the sweeper's part). */
export async function completeRuns(tx: SqlTx): Promise<string[]> {
  const rows = await tx.$queryRawUnsafe<{ run_id: string }[]>(
    `SELECT r.run_id FROM run r WHERE r.digested_at IS NULL
       AND r.expected <= (SELECT count(*) FROM run_stage s WHERE s.run_id = r.run_id) ORDER BY r.closed_at LIMIT 100`,
  );
  return rows.map((r) => r.run_id);
}
