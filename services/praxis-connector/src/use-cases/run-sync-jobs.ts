import type pg from 'pg';
import type { Logger } from '@pc/service-kit';
import { eventId, type EventData } from '@pc/contracts';
import { enqueue, pgTransact, singleFlight, type SqlTx } from '@pc/bus';
import { claimSyncRun, finishSyncRun, requeueRunning } from '../adapters/sync-run-store';
import type { SyncResult } from '../domain/sync-run';

export interface SyncJobsDeps {
  pool: pg.Pool;
  /** one praxis_sync run (run-praxis-sync.ts) */
  sync: (jobId: string) => Promise<SyncResult>;
  logger: Logger;
  /** publishes now what a committed transaction put in the outbox */
  kick: () => void;
}

export interface SyncJobRunner {
  /** queues again the runs a crashed process left 'running' (a sync is safe to repeat) */
  recover(): Promise<void>;
  /** works the queued runs now, or right after the pass in progress */
  kick(): void;
  /** resolves when no run is in progress (tests, shutdown) */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

async function emitFinished(tx: SqlTx, data: EventData<'job.finished.v1'>): Promise<void> {
  await enqueue(tx, [
    {
      type: 'job.finished.v1',
      subject: data.jobId,
      id: eventId('praxis-connector', 'job.finished', data.jobId, data.status),
      data,
    },
  ]);
}

/**
 * The worker of praxis_sync jobs, on the bus's single-flight loop: claims the queued runs one at a
 * time and answers each with job.finished running → succeeded | failed through the outbox.
 */
export function syncJobRunner(deps: SyncJobsDeps): SyncJobRunner {
  const transact = pgTransact(deps.pool);
  const loop = singleFlight(drain, (err) => deps.logger.error({ err }, 'sync runner failed'));

  async function drain(): Promise<void> {
    while (!loop.stopped) {
      const at = new Date().toISOString();
      const jobId = await transact(async (tx) => {
        const id = await claimSyncRun(tx);
        if (id)
          await emitFinished(tx, { jobId: id, kind: 'praxis_sync', status: 'running', counts: {}, error: null, at });
        return id;
      });
      if (!jobId) return;
      deps.kick();
      let counts: Record<string, number> = {};
      let error: string | null;
      try {
        const r = await deps.sync(jobId);
        counts = r.counts;
        error = r.error;
      } catch (err) {
        deps.logger.error({ err, jobId }, 'praxis sync crashed');
        error = `sync failed: ${(err as Error).message}`;
      }
      const status = error ? 'failed' : 'succeeded';
      await transact(async (tx) => {
        await finishSyncRun(tx, jobId, status, counts, error);
        await emitFinished(tx, { jobId, kind: 'praxis_sync', status, counts, error, at: new Date().toISOString() });
      });
      deps.kick();
    }
  }

  return {
    recover: () => requeueRunning(deps.pool),
    kick: () => loop.kick(),
    idle: () => loop.idle(),
    stop: () => loop.stop(),
  };
}
