import type pg from 'pg';
import type { Logger } from '@pc/service-kit';
import { eventId, type EventData } from '@pc/contracts';
import { singleFlight, type HandlerResult, type SqlTx } from '@pc/bus';
import type { Store } from '../adapters/store';
import type { PraxisSync } from './praxis-sync';

/**
 * Runs praxis_sync jobs outside the consumer's transaction (a sync takes seconds to minutes). The
 * consumer only records the request (sync_run row, idempotent on job id); this runner claims queued
 * runs one at a time, emits job.finished running → succeeded|failed through the outbox. A run left
 * 'running' by a crashed process is queued again at start (a sync is safe to repeat).
 */
export class SyncRunner {
  private readonly loop = singleFlight(() => this.drain(), (err) => this.logger.error({ err }, 'sync runner failed'));

  constructor(private readonly pool: pg.Pool, private readonly store: Store, private readonly sync: PraxisSync,
    private readonly logger: Logger, private readonly kickRelay: () => void) {}

  /** Consumer handler for job.requested.v1 (queue praxis-connector.jobs): records a praxis_sync request for the runner. */
  queueSync = async (d: EventData<'job.requested.v1'>, tx: SqlTx): Promise<HandlerResult> => {
    if (d.kind !== 'praxis_sync') return 'skipped';
    const n = await tx.$executeRawUnsafe(`INSERT INTO sync_run (job_id, status) VALUES ($1::uuid, 'queued') ON CONFLICT DO NOTHING`, d.jobId);
    return n > 0 ? 'done' : 'skipped';
  };

  async recover(): Promise<void> {
    await this.pool.query(`UPDATE sync_run SET status = 'queued', started_at = NULL WHERE status = 'running'`);
  }

  kick(): void { this.loop.kick(); }

  /** Resolves when no run is in progress (tests, shutdown). */
  async idle(): Promise<void> { await this.loop.idle(); }

  async stop(): Promise<void> { await this.loop.stop(); }

  private async drain(): Promise<void> {
    while (!this.loop.stopped) {
      const at = new Date().toISOString();
      const jobId = await this.store.tx(async (c, emit) => {
        const { rows } = await c.query<{ job_id: string }>(
          `UPDATE sync_run SET status = 'running', started_at = now() WHERE job_id = (
             SELECT job_id FROM sync_run WHERE status = 'queued' ORDER BY requested_at LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING job_id`);
        const id = rows[0]?.job_id;
        if (!id) return null;
        await emit([{ type: 'job.finished.v1', subject: id, id: eventId('praxis-connector', 'job.finished', id, 'running'),
          data: { jobId: id, kind: 'praxis_sync', status: 'running', counts: {}, error: null, at } }]);
        return id;
      });
      if (!jobId) return;
      this.kickRelay();
      let counts: Record<string, number> = {};
      let error: string | null;
      try {
        const r = await this.sync.run(jobId);
        counts = r.counts; error = r.error;
      } catch (err) {
        this.logger.error({ err, jobId }, 'praxis sync crashed');
        error = `sync failed: ${(err as Error).message}`;
      }
      const status = error ? 'failed' : 'succeeded';
      await this.store.tx(async (c, emit) => {
        await c.query('UPDATE sync_run SET status = $2, finished_at = now(), counts = $3, error = $4 WHERE job_id = $1', [jobId, status, JSON.stringify(counts), error]);
        await emit([{ type: 'job.finished.v1', subject: jobId, id: eventId('praxis-connector', 'job.finished', jobId, status),
          data: { jobId, kind: 'praxis_sync', status, counts, error, at: new Date().toISOString() } }]);
      });
      this.kickRelay();
    }
  }
}
