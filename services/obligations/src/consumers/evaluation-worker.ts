import type pg from 'pg';
import { singleFlight } from '@pc/bus';
import type { Logger } from '@pc/service-kit';
import { claimRun, postponeRun, releaseRun } from '../adapters/evaluation-store';
import { evaluateRun, type EvaluateOptions } from '../use-cases/run-evaluation';
import { failEvaluation } from '../use-cases/fail-evaluation';

/**
 * Works accepted evaluation runs one at a time in this process — the consumer of the runs that
 * accept-evaluation stores, as a queue consumer is of its events. Claims a run with a lease
 * (replicas share the runs), works it, and retries a failed run with backoff up to `maxAttempts`.
 * A periodic sweep picks up runs whose owner died (lease expired), e.g. after a crash.
 */
export class EvaluationWorker {
  private readonly loop = singleFlight(
    () => this.drain(),
    (err) => this.opts.logger.warn({ err: (err as Error).message }, 'evaluation worker pass failed; will retry'),
  );

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: EvaluateOptions & { logger: Logger; maxAttempts?: number; sweepMs?: number },
  ) {}

  start(): void {
    this.loop.start(this.opts.sweepMs ?? 5000);
  }

  kick(): void {
    this.loop.kick();
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.loop.stopped) return;
      const run = await claimRun(this.pool, this.opts.leaseSeconds ?? 30);
      if (!run) return;
      const log = this.opts.logger.child({ jobId: run.job_id });
      try {
        const counts = await evaluateRun(this.pool, run.job_id, { ...this.opts, shouldStop: () => this.loop.stopped });
        if (counts) log.info({ counts }, 'evaluation run succeeded');
        else {
          // Paused by shutdown: hand the run back at once so the next process resumes it.
          await releaseRun(this.pool, run.job_id);
          return;
        }
      } catch (err) {
        const message = (err as Error).message;
        if (run.attempts >= (this.opts.maxAttempts ?? 3)) {
          log.error({ err: message, attempts: run.attempts }, 'evaluation run failed; giving up');
          await failEvaluation(this.pool, run.job_id, message, this.opts.clock);
        } else {
          log.warn({ err: message, attempts: run.attempts }, 'evaluation run failed; will resume from its last batch');
          await postponeRun(this.pool, run.job_id, message, 2 * run.attempts);
        }
      }
    }
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }
}
