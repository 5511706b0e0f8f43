import type pg from 'pg';
import { eventId, eventProducers, type EventData, type EventType, type WaitingFor } from '@pc/contracts';
import type { Logger } from '@pc/service-kit';
import type { BusConnection } from './connection';
import type { Consumer, HandlerResult } from './consumer';
import { listDeadLetters } from './dlq';
import { enqueue, pgTransact, type SqlTx } from './outbox';
import { singleFlight } from './single-flight';
import { decideCatchUp, timedOutMessage, waitingReportDue, type CatchUpDecision, type FeedCount } from './catch-up';
import { askWatermark, inboxCount, outboxWatermark, type WatermarkAsk } from './watermark';
import type { WatermarkResponse } from '@pc/contracts';

/** What a gate does with a piece of work it holds, each step in the transaction that records it. */
export interface CatchUpGateSpec<R> {
  /** the gate's name in this service (`evaluate`, `digest`…): its rows in `catch_up` */
  name: string;
  /** the queues of this service the work reads: it waits until each has consumed what its producers had committed */
  queues: readonly string[];
  /** caught up: do the work (or hand it to the worker that does) */
  onCaughtUp(tx: SqlTx, request: R, id: string): Promise<void>;
  /** still waiting: called on the first check that is not caught up, then when what is awaited changes (at most every `reportEveryMs`) */
  onWaiting?(tx: SqlTx, request: R, id: string, waitingFor: WaitingFor[], report: number): Promise<void>;
  /** waited longer than the timeout: `message` names what it waited for (and any dead letters there) */
  onTimedOut(tx: SqlTx, request: R, id: string, waitingFor: WaitingFor[], message: string): Promise<void>;
  /** after each transaction that took a decision (kick the relay, the worker…) */
  afterCommit?(): void;
}

export interface CatchUpSettings {
  /** false: work runs at once on what this service holds (a service run alone, without its producers) */
  enabled: boolean;
  timeoutMs: number;
  pollMs: number;
  /** least time between two "waiting" reports of one piece of work */
  reportEveryMs?: number;
}

/** What a gate needs of the service it runs in (the runtime gives it). */
export interface CatchUpContext {
  service: string;
  pool: pg.Pool;
  bus: BusConnection;
  logger: Logger;
  internalSecret: string;
  /** base URL of each producing service (a service's URL may be filled in after it started) */
  peers: ReadonlyMap<string, string>;
  /** the consumers of this process, which say which types each queue is bound to */
  consumers: () => readonly Consumer[];
}

interface Mark {
  watermark: number;
  floor: number;
}

interface OpenRow<R> {
  id: string;
  request: R;
  marks: Record<string, Mark>;
  waiting_for: WaitingFor[];
  reports: number;
  waited_ms: number;
  since_report_ms: number | null;
}

interface Feed {
  queue: string;
  types: EventType[];
  producers: string[];
}

/**
 * Holds work until this service has consumed every event accepted before it (the decision:
 * catch-up.ts). `hold` records the work in `catch_up` inside the transaction that received it (the
 * job.requested consumer's); a loop of its own (poll + kick, never a consumer: waiting must not
 * block the queues that catch up) takes each producer's watermark at the first check, counts, and
 * then either runs `onCaughtUp`, reports `onWaiting`, or gives up with `onTimedOut` — each in one
 * transaction with the row locked, so replicas and restarts decide once.
 */
export class CatchUpGate<R> {
  private readonly loop = singleFlight(
    () => this.pass(),
    (err) =>
      this.ctx.logger.warn({ gate: this.spec.name, err: (err as Error).message }, 'catch-up pass failed; will retry'),
  );

  constructor(
    private readonly ctx: CatchUpContext,
    private readonly spec: CatchUpGateSpec<R>,
    private readonly settings: CatchUpSettings,
  ) {}

  /**
   * Records `request` under `id` in the caller's transaction ('skipped' when it is already held: a
   * redelivery). Disabled: runs `onCaughtUp` at once, in the same transaction.
   */
  async hold(tx: SqlTx, id: string, request: R): Promise<HandlerResult> {
    if (!this.settings.enabled) {
      await this.spec.onCaughtUp(tx, request, id);
      return 'done';
    }
    const n = await tx.$executeRawUnsafe(
      `INSERT INTO catch_up (id, gate, request) VALUES ($1::uuid, $2, $3::jsonb) ON CONFLICT DO NOTHING`,
      id,
      this.spec.name,
      JSON.stringify(request),
    );
    return n > 0 ? 'done' : 'skipped';
  }

  /** Whether work `id` was held and is decided (caught up or given up); always true when the gate is disabled. */
  async decided(tx: SqlTx, id: string): Promise<boolean> {
    if (!this.settings.enabled) return true;
    const rows = await tx.$queryRawUnsafe<unknown[]>(
      'SELECT 1 FROM catch_up WHERE id = $1::uuid AND gate = $2 AND done_at IS NOT NULL',
      id,
      this.spec.name,
    );
    return rows.length > 0;
  }

  start(): void {
    if (this.settings.enabled) this.loop.start(this.settings.pollMs);
  }

  /** Checks now (after a commit that held work), or once more right after the check in progress. */
  kick(): void {
    if (this.settings.enabled) this.loop.kick();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One check of every piece of work this gate holds (the loop's pass; tests call it too). */
  async pass(): Promise<void> {
    const { rows } = await this.ctx.pool.query<OpenRow<R>>(
      `SELECT id, request, marks, waiting_for, reports,
              (extract(epoch FROM now() - since) * 1000)::float8 AS waited_ms,
              (extract(epoch FROM now() - reported_at) * 1000)::float8 AS since_report_ms
       FROM catch_up WHERE gate = $1 AND done_at IS NULL ORDER BY since LIMIT 50`,
      [this.spec.name],
    );
    for (const row of rows) {
      if (this.loop.stopped) return;
      await this.check(row);
    }
  }

  /** The queues the work reads, with the types bound to each (from this process's consumers) and their producers. */
  private feeds(): Feed[] {
    const consumers = this.ctx.consumers();
    return this.spec.queues.map((queue) => {
      const c = consumers.find((x) => x.queue === queue);
      if (!c) throw new Error(`catch-up gate ${this.spec.name}: queue ${queue} is not consumed in this process`);
      const types = [...c.types];
      return { queue, types, producers: [...new Set(types.flatMap((t) => eventProducers[t]))] };
    });
  }

  private ask(producer: string, ask: WatermarkAsk): Promise<WatermarkResponse> {
    if (producer === this.ctx.service) return outboxWatermark(this.ctx.pool, producer, ask);
    const url = this.ctx.peers.get(producer);
    if (!url) return Promise.reject(new Error(`no URL configured for ${producer}`));
    return askWatermark(url, producer, this.ctx.service, this.ctx.internalSecret, ask);
  }

  private async check(row: OpenRow<R>): Promise<void> {
    const feeds = this.feeds();
    const log = this.ctx.logger.child({ gate: this.spec.name, id: row.id });
    const marks: Record<string, Mark> = { ...row.marks };
    const errors = new Map<string, string>();

    // Watermarks are taken once, at the first check that reaches the producer (after the work was
    // received: covering more than what was accepted before it, never less).
    const fresh: Record<string, Mark> = {};
    for (const producer of new Set(feeds.flatMap((f) => f.producers))) {
      if (marks[producer]) continue;
      const types = feeds.filter((f) => f.producers.includes(producer)).flatMap((f) => f.types);
      try {
        const r = await this.ask(producer, { types, above: 0 });
        fresh[producer] = { watermark: r.watermark, floor: r.floor };
      } catch (err) {
        errors.set(producer, (err as Error).message);
      }
    }
    if (Object.keys(fresh).length > 0) {
      // Keys already there win: another replica may have taken them first.
      const { rows } = await this.ctx.pool.query<{ marks: Record<string, Mark> }>(
        'UPDATE catch_up SET marks = $2::jsonb || marks WHERE id = $1::uuid RETURNING marks',
        [row.id, JSON.stringify(fresh)],
      );
      Object.assign(marks, rows[0]?.marks ?? fresh);
    }

    const counts: FeedCount[] = [];
    const floors: Record<string, Mark> = {};
    for (const feed of feeds) {
      for (const producer of feed.producers) {
        const mark = marks[producer];
        if (!mark) {
          counts.push({ queue: feed.queue, producer, produced: null, consumed: 0, floorMoved: false });
          continue;
        }
        // The inbox first, then the producer (see catch-up.ts: this order makes equal counts exact).
        const consumed = await inboxCount(this.ctx.pool, feed.queue, producer, feed.types, mark.floor, mark.watermark);
        try {
          const r = await this.ask(producer, { types: feed.types, above: mark.floor, upto: mark.watermark });
          const floorMoved = r.floor > mark.floor;
          if (floorMoved) floors[producer] = { watermark: mark.watermark, floor: r.floor };
          counts.push({ queue: feed.queue, producer, produced: r.count, consumed, floorMoved });
        } catch (err) {
          errors.set(producer, (err as Error).message);
          counts.push({ queue: feed.queue, producer, produced: null, consumed, floorMoved: false });
        }
      }
    }
    for (const [producer, err] of errors) log.warn({ producer, err }, 'catch-up: producer could not be asked');

    const decision: CatchUpDecision = decideCatchUp(counts, row.waited_ms, this.settings.timeoutMs);
    const deadLetters =
      decision.kind === 'timed_out'
        ? new Map(
            (await listDeadLetters(this.ctx.bus, [...new Set(decision.waitingFor.map((w) => w.queue))])).map((d) => [
              d.queue,
              d.deadLetters,
            ]),
          )
        : new Map<string, number>();

    const applied = await pgTransact(this.ctx.pool)(async (tx) => {
      const locked = await tx.client.query(
        'SELECT 1 FROM catch_up WHERE id = $1::uuid AND done_at IS NULL FOR UPDATE SKIP LOCKED',
        [row.id],
      );
      if (locked.rowCount === 0) return false; // decided elsewhere, or being decided by a replica
      if (Object.keys(floors).length > 0)
        await tx.client.query('UPDATE catch_up SET marks = marks || $2::jsonb WHERE id = $1::uuid', [
          row.id,
          JSON.stringify(floors),
        ]);
      switch (decision.kind) {
        case 'caught_up':
          await tx.client.query(
            `UPDATE catch_up SET outcome = 'caught_up', done_at = now(), waiting_for = '[]' WHERE id = $1::uuid`,
            [row.id],
          );
          await this.spec.onCaughtUp(tx, row.request, row.id);
          log.info({ waitedMs: Math.round(row.waited_ms), marks }, 'caught up: work released');
          return true;
        case 'timed_out': {
          const message = timedOutMessage(decision.waitingFor, Math.round(row.waited_ms / 1000), deadLetters);
          await tx.client.query(
            `UPDATE catch_up SET outcome = 'timed_out', done_at = now(), waiting_for = $2::jsonb WHERE id = $1::uuid`,
            [row.id, JSON.stringify(decision.waitingFor)],
          );
          await this.spec.onTimedOut(tx, row.request, row.id, decision.waitingFor, message);
          log.warn({ waitingFor: decision.waitingFor, deadLetters: Object.fromEntries(deadLetters) }, message);
          return true;
        }
        case 'waiting': {
          const previous = row.reports === 0 ? null : row.waiting_for;
          const due = waitingReportDue(
            previous,
            decision.waitingFor,
            row.since_report_ms,
            this.settings.reportEveryMs ?? 10_000,
          );
          if (!due) return Object.keys(floors).length > 0;
          await tx.client.query(
            'UPDATE catch_up SET waiting_for = $2::jsonb, reported_at = now(), reports = reports + 1 WHERE id = $1::uuid',
            [row.id, JSON.stringify(decision.waitingFor)],
          );
          await this.spec.onWaiting?.(tx, row.request, row.id, decision.waitingFor, row.reports + 1);
          if (previous === null) log.info({ waitingFor: decision.waitingFor, marks }, 'waiting to catch up');
          return true;
        }
      }
    });
    if (applied) this.spec.afterCommit?.();
  }
}

/** A job's gate: the job.requested it holds, with the job's own waiting and failure reports. */
export type JobRequest = EventData<'job.requested.v1'>;

/**
 * The gate of a job worker: holds each job.requested until the worker's queues caught up, reports
 * `job.finished` waiting (with what it waits for) while it waits, and `failed` naming what it
 * waited for when it gives up; `onCaughtUp` is the worker's own acceptance of the job.
 */
export function jobGateSpec(
  service: string,
  spec: Pick<CatchUpGateSpec<JobRequest>, 'name' | 'queues' | 'onCaughtUp' | 'afterCommit'>,
  clock: () => Date = () => new Date(),
): CatchUpGateSpec<JobRequest> {
  const finished = (
    job: JobRequest,
    status: 'waiting' | 'failed',
    waitingFor: WaitingFor[],
    error: string | null,
    part: string,
  ) => ({
    type: 'job.finished.v1' as const,
    id: eventId(service, 'job.finished', job.jobId, status, part),
    subject: job.jobId,
    data: { jobId: job.jobId, kind: job.kind, status, counts: {}, error, at: clock().toISOString(), waitingFor },
  });
  return {
    ...spec,
    onWaiting: async (tx, job, _id, waitingFor, report) => {
      await enqueue(tx, [finished(job, 'waiting', waitingFor, null, String(report))]);
    },
    onTimedOut: async (tx, job, _id, waitingFor, message) => {
      await enqueue(tx, [finished(job, 'failed', waitingFor, message, 'catch-up')]);
    },
  };
}
