import type { SqlTx } from '@pc/bus';
import { completeRuns } from '../adapters/run-store';
import { buildDigests, type DigestDeps } from './build-digests';

/**
 * The sweeper's share of run closing: runs whose last stage and run_closed were handled at the same
 * time, each in a transaction that did not see the other, are complete but have no digests yet.
 * Each run is built in its own transaction.
 */
export async function digestCompletedRuns(
  transact: <T>(fn: (tx: SqlTx) => Promise<T>) => Promise<T>,
  deps: DigestDeps,
): Promise<void> {
  for (const runId of await transact(completeRuns)) {
    await transact((tx) => buildDigests(tx, runId, deps));
  }
}
