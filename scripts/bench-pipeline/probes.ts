/**
 * What the pipeline bench observes from outside the services: queue depths through the broker,
 * how far each consumer has applied a set of events (its inbox against the outboxes, in one
 * snapshot), peak RSS of each process, the load average, and processes left behind.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import type pg from 'pg';

/** Consumer queues of a vhost and the event types each is bound to on the events exchange (read once from the broker). */
export function consumerBindings(vhost: string, exchange: string): Map<string, string[]> {
  const out = execFileSync(
    'rabbitmqctl',
    [
      '-q',
      'list_bindings',
      '-p',
      vhost,
      '--no-table-headers',
      'source_name',
      'destination_name',
      'destination_kind',
      'routing_key',
    ],
    { encoding: 'utf8' },
  );
  const byQueue = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const [source, dest, kind, key] = line.split('\t');
    if (source !== exchange || kind !== 'queue' || !dest || !key) continue;
    byQueue.set(dest, [...(byQueue.get(dest) ?? []), key]);
  }
  return byQueue;
}

/** Every queue of a vhost (consumer queues, their .retry and .dlq). */
export function listQueues(vhost: string): string[] {
  return execFileSync('rabbitmqctl', ['-q', 'list_queues', '-p', vhost, '--no-table-headers', 'name'], {
    encoding: 'utf8',
  })
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** AMQP topic matching: `*` is one word, `#` zero or more. */
export function topicMatches(pattern: string, key: string): boolean {
  const match = (p: string[], k: string[]): boolean => {
    if (p.length === 0) return k.length === 0;
    const [head, ...rest] = p;
    if (head === '#') return match(rest, k) || (k.length > 0 && match(p, k.slice(1)));
    if (k.length === 0) return false;
    return (head === '*' || head === k[0]) && match(rest, k.slice(1));
  };
  return match(pattern.split('.'), key.split('.'));
}

interface Sample {
  at: number;
  /** messages ready in consumer queues and their retry queues */
  total: number;
  byQueue: Record<string, number>;
  dlq: number;
}

/**
 * Samples the depth of every queue (ready messages, `queue.declare` passive) every `everyMs`.
 * Messages a consumer holds unacknowledged are not counted: depth says what waits, the inbox
 * check says what was applied.
 */
export class QueueSampler {
  private conn: ChannelModel | null = null;
  private ch: Channel | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  readonly samples: Sample[] = [];

  constructor(
    private readonly amqpUrl: string,
    private readonly queues: string[],
  ) {}

  async start(everyMs = 250): Promise<void> {
    this.conn = await amqp.connect(this.amqpUrl);
    this.conn.on('error', () => undefined);
    const tick = async (): Promise<void> => {
      try {
        await this.sample();
      } catch {
        /* a failed sample is skipped; the next one reopens the channel */
        this.ch = null;
      }
      if (this.timer !== null) this.timer = setTimeout(() => (this.running = tick()), everyMs);
    };
    this.timer = setTimeout(() => (this.running = tick()), 0);
  }

  private async sample(): Promise<void> {
    if (!this.conn) return;
    if (!this.ch) {
      this.ch = await this.conn.createChannel();
      this.ch.on('error', () => undefined);
    }
    const byQueue: Record<string, number> = {};
    let total = 0,
      dlq = 0;
    for (const q of this.queues) {
      const { messageCount } = await this.ch.checkQueue(q);
      if (q.endsWith('.dlq')) dlq += messageCount;
      else {
        total += messageCount;
        if (messageCount > 0) byQueue[q] = messageCount;
      }
    }
    this.samples.push({ at: Date.now(), total, byQueue, dlq });
  }

  /** The deepest moment between `from` and `to` (epoch ms) and the deepest each queue got. */
  peak(from: number, to: number): { total: number; queue: string | null; byQueue: Record<string, number> } {
    let total = 0;
    const byQueue: Record<string, number> = {};
    for (const s of this.samples) {
      if (s.at < from || s.at > to) continue;
      total = Math.max(total, s.total);
      for (const [q, n] of Object.entries(s.byQueue)) byQueue[q] = Math.max(byQueue[q] ?? 0, n);
    }
    const queue = Object.entries(byQueue).sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
    return { total, queue, byQueue };
  }

  lastDlq(): number {
    return this.samples.at(-1)?.dlq ?? 0;
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running.catch(() => undefined);
    await this.conn?.close().catch(() => undefined);
    this.conn = null;
  }
}

export interface ConsumerProgress {
  consumer: string;
  /** events of the watched set this consumer is bound to, in every outbox */
  expected: number;
  /** of those, the ones in its inbox */
  applied: number;
  /** when it applied the last of them (its inbox's processed_at), epoch ms */
  lastAt: number | null;
}

export interface WatchedSet {
  /** event types watched */
  types: string[];
  /** only events created at or after this instant */
  since: Date;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
const TYPE = /^[a-z0-9_.#*-]+$/;
const lit = (s: string): string => {
  if (!TYPE.test(s)) throw new Error(`unexpected name ${s}`);
  return `'${s}'`;
};

/**
 * How far every consumer bound to one of `watch.types` has applied the events of those types
 * created since `watch.since`, across every service's outbox, read in ONE statement (one snapshot):
 * a handler commits its inbox row with the events it emits, so "every consumer has applied every
 * watched event" seen in one snapshot cannot be missing an event still to come from the cascade.
 */
export async function consumerProgress(
  db: pg.Client,
  schemas: string[],
  consumers: Array<{ queue: string; schema: string; bindings: string[] }>,
  watch: WatchedSet,
): Promise<ConsumerProgress[]> {
  const interested = interestedIn(schemas, consumers, watch);
  if (interested.length === 0) return [];
  const w = schemas
    .map((s) => `SELECT id::text AS id, type FROM ${s}.outbox WHERE type = ANY($1::text[]) AND created_at >= $2`)
    .join(' UNION ALL ');
  const per = interested
    .map(
      (c) => `SELECT ${lit(c.queue)} AS consumer,
        (SELECT count(*) FROM w WHERE w.type IN (${c.types.map(lit).join(', ')}))::int AS expected,
        a.applied, a.last_at
      FROM (SELECT count(*)::int AS applied, (extract(epoch FROM max(i.processed_at)) * 1000)::float8 AS last_at
            FROM ${c.schema}.inbox i JOIN w ON w.id = i.message_id
            WHERE i.consumer = ${lit(c.queue)} AND w.type IN (${c.types.map(lit).join(', ')})) a`,
    )
    .join(' UNION ALL ');
  const { rows } = await db.query<{ consumer: string; expected: number; applied: number; last_at: number | null }>(
    `WITH w AS MATERIALIZED (${w}) ${per}`,
    [watch.types, watch.since],
  );
  return rows.map((r) => ({ consumer: r.consumer, expected: r.expected, applied: r.applied, lastAt: r.last_at }));
}

function interestedIn(
  schemas: string[],
  consumers: Array<{ queue: string; schema: string; bindings: string[] }>,
  watch: WatchedSet,
): Array<{ queue: string; schema: string; types: string[] }> {
  const interested = consumers
    .map((c) => ({ ...c, types: watch.types.filter((t) => c.bindings.some((b) => topicMatches(b, t))) }))
    .filter((c) => c.types.length > 0);
  for (const s of [...schemas, ...interested.map((c) => c.schema)])
    if (!IDENT.test(s)) throw new Error(`unexpected schema ${s}`);
  return interested;
}

/**
 * A cheap necessary condition for `consumerProgress` to show every consumer caught up: each has
 * handled, since `watch.since`, at least as many messages (of any type) as there are watched events
 * for it. No join: it lets the full check run only when it can succeed, so the probe stays light
 * on a machine the system under test already saturates.
 */
export async function mayBeCaughtUp(
  db: pg.Client,
  schemas: string[],
  consumers: Array<{ queue: string; schema: string; bindings: string[] }>,
  watch: WatchedSet,
): Promise<boolean> {
  const interested = interestedIn(schemas, consumers, watch);
  if (interested.length === 0) return true;
  const w = schemas
    .map((s) => `SELECT type FROM ${s}.outbox WHERE type = ANY($1::text[]) AND created_at >= $2`)
    .join(' UNION ALL ');
  const per = interested
    .map(
      (c) => `SELECT (SELECT count(*) FROM ${c.schema}.inbox WHERE consumer = ${lit(c.queue)} AND processed_at >= $2)
          >= COALESCE((SELECT sum(n) FROM w WHERE w.type IN (${c.types.map(lit).join(', ')})), 0) AS ok`,
    )
    .join(' UNION ALL ');
  const { rows } = await db.query<{ ok: boolean }>(
    `WITH w AS MATERIALIZED (SELECT type, count(*) AS n FROM (${w}) x GROUP BY type) ${per}`,
    [watch.types, watch.since],
  );
  return rows.every((r) => r.ok);
}

/** Peak resident set size of a live process, in MiB (VmHWM), or null when it is gone. */
export function peakRssMiB(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export function loadAverage(): string {
  return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

function ancestors(): Set<number> {
  const out = new Set<number>();
  for (let pid = process.pid; pid > 1;) {
    out.add(pid);
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  return out;
}

/**
 * Processes (other than this one and its ancestors) whose environment carries `MARK=value`: every
 * process the bench starts inherits it, so one still alive after the stop is a leak, whoever its
 * parent now is.
 */
export function markedProcesses(mark: string, value: string): Array<{ pid: number; cmd: string }> {
  const mine = ancestors();
  const found: Array<{ pid: number; cmd: string }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || mine.has(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (!fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${mark}=${value}`)) continue;
      found.push({ pid, cmd: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 160) });
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}
